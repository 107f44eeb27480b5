export {
  type AccentAdapters,
  type AccentAdaptersOptions,
  type AccentClip,
  type AccentTranscript,
  loadAccentAdapters,
  type UnknownAccentPolicy,
} from './accent-adapters.js';
export { readAccentClips } from './accent-clips.js';

/**
 * Dataset readers of the speech plugin: `speech/folder` (Speech Commands layout), `speech/manifest`
 * (CSV/TSV) and `speech/common-voice`. All yield `AudioExample`s holding paths, not samples:
 * preprocessors decode with `decodeAudio(example.path)`.
 */

import { commonVoiceReader } from './common-voice-reader.js';
import { folderReader } from './folder-reader.js';
import { manifestReader } from './manifest-reader.js';

export { accentGroupOf, accentMatches } from './accent-match.js';
export { type AudioCheckOptions, audioCheckShape, checkAudioFiles } from './audio-checks.js';
export { AUDIO_EXTENSIONS, AUDIO_MEDIA_TYPES, type AudioExample, isAudioPath } from './audio-example.js';
export { BACKGROUND_NOISE_DIR, backgroundNoiseFiles } from './background-noise.js';
export {
  COMMON_VOICE_TABLES,
  type CommonVoiceOptions,
  commonVoiceOptions,
  commonVoiceReader,
  readCommonVoice,
} from './common-voice-reader.js';
export {
  type FolderOptions,
  folderOptions,
  folderReader,
  readAudioFolder,
  SPEECH_COMMANDS_LISTS,
} from './folder-reader.js';
export { type ManifestOptions, manifestOptions, manifestReader, readManifest } from './manifest-reader.js';
export {
  SPEAKER_SPLITS,
  type SpeakerSplitOptions,
  speakerDisjointSplit,
  speakerSplitSchema,
} from './speaker-split.js';
export {
  normalizeTranscript,
  TEXT_NORMALIZATIONS,
  type TextNormalization,
  transcriptLabels,
  transcriptShape,
} from './transcript-labels.js';

/** Every reader of the plugin, for `bind(DatasetReader)` in the plugin module. */
export const speechReaders = [commonVoiceReader, folderReader, manifestReader] as const;

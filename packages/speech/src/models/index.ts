/** Speech encoders: Whisper (encoder), wav2vec2 / HuBERT / MMS, and a small from-scratch conv-transformer. */

export { speechArchitectures } from './architectures.js';
export * from './common/index.js';
export * from './conv-transformer/index.js';
export {
  convTransformerPlacementDefaults,
  hubertPlacementDefaults,
  speechPlacementDefaults,
  wav2vec2PlacementDefaults,
  whisperPlacementDefaults,
} from './placement-defaults.js';
export * from './wav2vec2/index.js';
export * from './whisper/index.js';

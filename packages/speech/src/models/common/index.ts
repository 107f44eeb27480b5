export { type LoadedSpeechBase, loadSpeechBase, type SpeechCheckpointSpec } from './base-checkpoint.js';
export type { SpeechEncoderInputs, SpeechEncoderOutput } from './encoder-output.js';
export { initLinearAndNorm, resetParameter } from './init-weights.js';
export { runLayers, type SpeechEncoderLayer } from './layer-stack.js';
export { checkInputMask, convOutputLength, convOutputLengths, lengthMask, maskLengths } from './lengths.js';
export { type SelfAttentionOptions, speechSelfAttention } from './self-attention.js';
export { sinusoids } from './sinusoids.js';

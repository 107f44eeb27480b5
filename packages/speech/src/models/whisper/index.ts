export { whisperArchitecture } from './architecture.js';
export { loadWhisperEncoder, saveWhisperEncoder, WHISPER_ENCODER_PREFIXES } from './checkpoint.js';
export { type WhisperConfig, whisperConfig, whisperConfigFileSchema, whisperConfigSchema } from './config.js';
export { PreNormEncoderLayer, type PreNormLayerOptions } from './layer.js';
export { WhisperEncoder, WhisperPositions, whisperOutputLength } from './model.js';
export { PRE_NORM_LAYER_ROLES, whisperPlacement } from './placement.js';

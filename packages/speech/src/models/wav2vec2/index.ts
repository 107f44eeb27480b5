export { hubertArchitecture, wav2vec2Architecture } from './architecture.js';
export { legacyWeightNormKey, loadHubert, loadWav2Vec2, saveWav2Vec2Family } from './checkpoint.js';
export {
  type HubertConfig,
  hasFeatureProjectionNorm,
  hasMaskedSpecEmbed,
  hubertConfig,
  hubertConfigFileSchema,
  hubertConfigSchema,
  usesPositionalBatchNorm,
  type Wav2Vec2Config,
  type Wav2Vec2FamilyConfig,
  wav2vec2Config,
  wav2vec2ConfigFileSchema,
  wav2vec2ConfigSchema,
} from './config.js';
export { FeatureProjection, Wav2Vec2Encoder } from './encoder.js';
export {
  ChannelGroupNorm,
  FeatureConvLayer,
  FeatureEncoder,
  featureEncoderOutputLength,
} from './feature-encoder.js';
export { Wav2Vec2AttnAdapterLayer, Wav2Vec2EncoderLayer, Wav2Vec2FeedForward } from './layer.js';
export {
  type LoadedMmsAdapter,
  loadMmsAdapter,
  type MmsAdapterOptions,
  mmsAdapterFileName,
  mmsAdapterPaths,
  resetMmsAdapters,
  saveMmsAdapter,
} from './mms-adapter.js';
export { saveRunMmsAdapter } from './mms-run-adapter.js';
export { buildWav2Vec2Family, HubertModel, Wav2Vec2Model, type Wav2Vec2ModelOptions } from './model.js';
export { wav2vec2Placement } from './placement.js';
export { PositionalConvEmbedding, WeightNormConv1d } from './positional-conv.js';

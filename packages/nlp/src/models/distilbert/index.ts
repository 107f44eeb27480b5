export { distilBertArchitecture } from './architecture.js';
export {
  DISTILBERT_BASE_PREFIX,
  loadDistilBertCheckpoint,
  saveDistilBertCheckpoint,
} from './checkpoint.js';
export {
  DISTILBERT_LAYER_NORM_EPS,
  type DistilBertConfig,
  distilBertConfig,
  distilBertConfigFileSchema,
  distilBertConfigSchema,
} from './config.js';
export { DistilBertEmbeddings, sinusoidalPositions } from './embeddings.js';
export {
  DISTILBERT_ATTENTION_NAMES,
  DistilBertFfn,
  DistilBertLayer,
  DistilBertSelfAttention,
} from './layer.js';
export {
  type DistilBertInputs,
  DistilBertModel,
  type DistilBertOutputs,
  DistilBertTransformer,
} from './model.js';
export { distilBertPlacement } from './placement.js';

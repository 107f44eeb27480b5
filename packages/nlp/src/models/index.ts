export * from './bert/index.js';
export {
  additivePaddingMask,
  causalMask,
  encoderPaddingMask,
  MASKED_SCORE,
} from './common/attention-mask.js';
export {
  type BaseCheckpointSpec,
  type LoadedBaseCheckpoint,
  loadBaseCheckpoint,
} from './common/base-checkpoint.js';
export { headsDivideWidth } from './common/config-checks.js';
export { initTransformerWeights, resetFill, resetNormal } from './common/init-weights.js';
export { type EncoderLayer, EncoderLayerStack } from './common/layer-stack.js';
export { type MultiHeadInputs, multiHeadContext } from './common/multi-head-attention.js';
export { extendMaskForPrefix, PrefixHook, PrefixTunableAttention } from './common/prefix-hook.js';
export { SummedEmbeddings, type SummedEmbeddingsOptions } from './common/summed-embeddings.js';
export * from './distilbert/index.js';
export * from './gpt2/index.js';
export {
  bertPlacementDefaults,
  distilBertPlacementDefaults,
  gpt2PlacementDefaults,
} from './placement-defaults.js';
export * from './task/index.js';
export { loadTextBase, TEXT_MODEL_TYPES } from './text-base.js';

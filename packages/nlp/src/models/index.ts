export * from './bart/index.js';
export * from './bert/index.js';
export { encoderPaddingMask } from './common/attention-mask.js';
export { SummedEmbeddings, type SummedEmbeddingsOptions } from './common/summed-embeddings.js';
export * from './distilbert/index.js';
export * from './gpt2/index.js';
export {
  bartPlacementDefaults,
  bertPlacementDefaults,
  distilBertPlacementDefaults,
  gpt2PlacementDefaults,
  marianPlacementDefaults,
  t5PlacementDefaults,
} from './placement-defaults.js';
export * from './seq2seq/index.js';
export * from './t5/index.js';
export * from './task/index.js';
export { loadTextBase, TEXT_MODEL_TYPES } from './text-base.js';

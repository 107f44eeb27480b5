export { t5Architecture } from './architecture.js';
export { T5Attention } from './attention.js';
export { loadT5Checkpoint, saveT5Checkpoint } from './checkpoint.js';
export { type T5Config, t5Config, t5ConfigFileSchema, t5ConfigSchema, t5FeedForward } from './config.js';
export { T5DenseActDense, T5LayerAttention, T5LayerFF } from './layers.js';
export { type Seq2SeqOutputs, T5ForConditionalGeneration, type T5Inputs } from './model.js';
export { t5Placement } from './placement.js';
export { relativeBucketGrid, relativePositionBucket } from './relative-position.js';
export { T5Block, type T5BlockCall, type T5BlockOutput, T5Stack, type T5StackInputs } from './stack.js';

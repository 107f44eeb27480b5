export {
  ACTIVATION_NAMES,
  type ActivationName,
  activationFromName,
  GELU,
  type GELUOptions,
  type GeluApproximate,
  gelu,
  Identity,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  silu,
  Tanh,
} from './activations.js';
export {
  type AttendOptions,
  attendHeads,
  type MultiHeadContextOptions,
  mergeHeads,
  multiHeadContext,
  splitHeads,
  splitHeadsTransposed,
} from './attention-heads.js';
export {
  additivePaddingMask,
  causalMask,
  extendMaskForPrefix,
  MASKED_SCORE,
  prependVirtualTokens,
} from './attention-mask.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batch-norm.js';
export { brandClass, isBrandedInstance } from './brand.js';
export type { Pair } from './checks.js';
export { type ConvMode, type ConvSpec, convNhwc, dilateKernel } from './conv-ops.js';
export { Conv1d, type Conv1dOptions } from './conv1d.js';
export { Conv2d, type Conv2dOptions, type Conv2dPadding } from './conv2d.js';
export { Dropout, dropout } from './dropout.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export {
  attachFeedForward,
  FeedForward,
  type FeedForwardNames,
  type FeedForwardOptions,
} from './feed-forward.js';
export {
  type CheckpointOutputHook,
  isGradientCheckpointing,
  setGradientCheckpointing,
} from './gradient-checkpointing.js';
export {
  biasBound,
  computeFans,
  drawSeed,
  type Fans,
  kaimingUniform,
  normal,
  ones,
  uniform,
  xavierUniform,
  zeros,
} from './init.js';
export { LayerNorm, type LayerNormOptions } from './layer-norm.js';
export {
  fromTorchLayout,
  sameShape,
  TORCH_LAYOUTS,
  type TorchLayout,
  torchShapeOf,
  toTorchLayout,
} from './layout.js';
export { Linear, type LinearOptions } from './linear.js';
export {
  type AnyModule,
  isModule,
  type LoadStateDictOptions,
  type LoadStateDictReport,
  Module,
  type UnaryModule,
} from './module.js';
export { ModuleList } from './module-list.js';
export {
  type AttentionCallOptions,
  type AttentionProjection,
  type AttentionProjectionNames,
  MultiHeadAttention,
  type MultiHeadAttentionOptions,
  TORCH_ATTENTION_NAMES,
} from './multi-head-attention.js';
export { Parameter, type ParameterOptions } from './parameter.js';
export {
  AvgPool2d,
  type AvgPool2dOptions,
  Flatten,
  GlobalAvgPool2d,
  MaxPool2d,
  type Pool2dOptions,
  type Pool2dPadding,
} from './pooling.js';
export {
  type AttentionPrefix,
  isPrefixHost,
  PrefixHook,
  type PrefixHost,
  type PrefixProvider,
  PrefixTunableAttention,
} from './prefix-hook.js';
export { RMSNorm, type RMSNormOptions } from './rms-norm.js';
export { Sequential } from './sequential.js';
export { stopGradient } from './stop-gradient.js';
export {
  type OptimizerStepInfo,
  type TrainingHooks,
  trainingHooksOf,
  withTrainingLoss,
} from './training-hooks.js';
export { TransformerEncoder, type TransformerEncoderOptions } from './transformer-encoder.js';
export {
  type AttentionModule,
  type EncoderCallOptions,
  type EncoderLayerModule,
  TORCH_ENCODER_LAYER_NAMES,
  TransformerEncoderLayer,
  type TransformerEncoderLayerNames,
  type TransformerEncoderLayerOptions,
} from './transformer-encoder-layer.js';
export { initTransformerWeights, resetFill, resetNormal } from './transformer-init.js';

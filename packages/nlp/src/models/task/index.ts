export {
  basePrefixOf,
  hiddenDropoutOf,
  hiddenSizeOf,
  lastTokenIndex,
  meanPool,
  pickPositions,
  runBackbone,
  type TextBackbone,
  type TextInputs,
  textBackbone,
  withVirtualTokens,
} from './backbone.js';
export { CausalLmModel, type CausalLmStep } from './causal-lm.js';
export { DistilBertMaskedLmModel } from './distilbert-masked-lm.js';
export { BertLmPredictionHead, BertPredictionHeadTransform, MaskedLmModel } from './masked-lm.js';
export {
  POOLINGS,
  type Pooling,
  SequenceClassificationModel,
  type SequenceClassifierOptions,
} from './sequence-classification.js';
export { TiedLinear, type TiedLinearOptions } from './tied-linear.js';
export { TokenClassificationModel, type TokenClassifierOutput } from './token-classification.js';

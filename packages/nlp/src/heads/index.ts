export { type CausalLmHeadConfig, causalLmHead, causalLmHeadConfig } from './causal-lm-head.js';
export { type GenerateOptions, generate } from './generation.js';
export { labelProbabilities, requireLabels, targetsOf } from './head-support.js';
export { maskedLmHead, maskedLmHeadConfig } from './masked-lm-head.js';
export { perplexityMetric } from './perplexity-metric.js';
export { type RegressionHeadConfig, regressionHead, regressionHeadConfig } from './regression-head.js';
export { argmax, chooseToken, type SamplingOptions } from './sampling.js';
export {
  type SequenceClassificationHeadConfig,
  sequenceClassificationHead,
  sequenceClassificationHeadConfig,
} from './sequence-classification-head.js';
export {
  IGNORE_INDEX,
  type TokenClassificationHeadConfig,
  tokenClassificationHead,
  tokenClassificationHeadConfig,
} from './token-classification-head.js';

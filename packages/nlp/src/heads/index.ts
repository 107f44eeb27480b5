export { BeamSearch, type BeamSearchOptions } from './beam-search.js';
export { type CausalLmHeadConfig, causalLmHead, causalLmHeadConfig } from './causal-lm-head.js';
export { type GenerateOptions, generate } from './generation.js';
export { labelProbabilities, requireLabels, targetsOf } from './head-support.js';
export {
  bannedNgramTokens,
  type LogitsProcessorOptions,
  type ProcessorContext,
  processLogits,
} from './logits-processors.js';
export { maskedLmHead, maskedLmHeadConfig } from './masked-lm-head.js';
export { perplexityMetric } from './perplexity-metric.js';
export { type RegressionHeadConfig, regressionHead, regressionHeadConfig } from './regression-head.js';
export { argmax, chooseToken, type SamplingOptions } from './sampling.js';
export { generateSeq2Seq, padSources, type Seq2SeqGenerateOptions } from './seq2seq-generation.js';
export {
  GENERATION_CONFIG_FILE,
  seq2seqConfigFromCheckpoint,
  writeSeq2SeqGenerationConfig,
} from './seq2seq-hf-generation.js';
export {
  type Seq2SeqHeadOutputs,
  type Seq2SeqLmHeadConfig,
  seq2seqGenerationConfig,
  seq2seqLmHead,
  seq2seqLmHeadConfig,
} from './seq2seq-lm-head.js';
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

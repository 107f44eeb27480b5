export { accuracy } from './accuracy.js';
export { auroc, aurocOneVsRest, averageRanks, type OneVsRestAuroc } from './auroc.js';
export { confusionMatrix } from './confusion-matrix.js';
export {
  type BinaryThresholdChoice,
  chooseBinaryThreshold,
  recentreProbability,
} from './decision-threshold.js';
export type { Numbers } from './inputs.js';
export {
  BufferedMetric,
  isRows,
  type Metric,
  type MetricInput,
  type MetricTargets,
  type MetricUpdateContext,
  type MetricValue,
} from './metric.js';
export {
  checkMultilabel,
  hammingLoss,
  type MultilabelAuroc,
  multilabelAuroc,
  multilabelF1,
  subsetAccuracy,
  thresholdsFor,
} from './multilabel.js';
export { type MultiLabelCompute, MultiLabelMetric } from './multilabel-metric.js';
export {
  type Average,
  type ClassScores,
  macroF1,
  type PrecisionRecallF1,
  type PrecisionRecallF1Options,
  perClassPrecisionRecallF1,
  precisionRecallF1,
} from './precision-recall-f1.js';
export {
  argmaxRows,
  BUILTIN_METRIC_NAMES,
  BUILTIN_METRICS,
  type BuiltinMetricName,
  createMetric,
  type MetricOptions,
  toBinaryScores,
  toClassIds,
} from './registry.js';
export { mae, mse } from './regression.js';
export {
  type BestThreshold,
  bestThreshold,
  type SensitivitySpecificity,
  sensitivitySpecificity,
} from './threshold.js';

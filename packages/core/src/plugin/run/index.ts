export { type BatchLoaderOptions, batchLoader } from './batches.js';
export {
  applyPeft,
  type BuildModelArgs,
  type BuiltModel,
  buildModel,
  completePeftConfig,
  resolveArchitecture,
} from './build-model.js';
export {
  applyThreshold,
  describeThreshold,
  type TuneThresholdArgs,
  tuneRunThreshold,
  withThreshold,
} from './decision-threshold.js';
export {
  assertEarlyStoppingSplit,
  EARLY_STOPPING_MIN_EVAL_EXAMPLES,
  EARLY_STOPPING_MIN_PER_CLASS,
} from './early-stopping-split.js';
export { type EvaluateRunOptions, type EvaluateRunResult, evaluateRun } from './evaluate-run.js';
export { loadHeadWeights, saveHeadWeights } from './head-weights.js';
export { type InspectReport, inspectRun } from './inspect-run.js';
export { isHfAdapterDir, isHfCheckpointDir, type LoadHfRunOptions, loadHfRun } from './load-hf-run.js';
export { type LoadedRun, loadRun } from './load-run.js';
export { describeLrChoice, lrSweepSection, methodLabel, sweepRunLr, writeLrSweepFiles } from './lr-sweep.js';
export { mergeRun } from './merge-run.js';
export { type ModelCardFacts, modelCard } from './model-card.js';
export {
  assertReplaceableOutDir,
  assertTrainOutDir,
  EVAL_MARKER,
  inspectOutDir,
  type OutDirState,
} from './output-dir.js';
export * from './parallel/index.js';
export {
  addRunAdapter,
  type InputPrediction,
  type PredictOptions,
  predictExamples,
  predictRun,
} from './predict-run.js';
export { type PreparedRun, type PrepareRunOptions, prepareRun } from './prepare-run.js';
export { type PreprocessorFile, readPreprocessorFile, writePreprocessorFile } from './preprocessor-file.js';
export { type PushRunOptions, type PushRunResult, pushRun } from './push-run.js';
export {
  type InputPolicy,
  inputPolicyOf,
  pickReader,
  type RunData,
  readEvalData,
  readRunData,
} from './read-data.js';
export {
  IMBALANCE_RATIO,
  type ResolvedSampling,
  type ResolveSamplingArgs,
  resolveSampling,
} from './resolve-sampling.js';
export { rootPlacement } from './root-placement.js';
export {
  parseEvaluatorOptions,
  type RunEvaluatorOptions,
  type RunEvaluatorResult,
  readEvaluatorOptions,
  runEvaluator,
} from './run-evaluator.js';
export { RUN_FILES } from './run-files.js';
export {
  baseDirOf,
  type DecisionThreshold,
  RUN_STATUSES,
  type RunFailure,
  type RunKind,
  type RunManifest,
  type RunStatus,
  readRunManifest,
  writeRunManifest,
} from './run-manifest.js';
export {
  addEvalRunToReport,
  configSection,
  REPORT_FILES,
  readReportSections,
  renderRunReport,
  type StoredEvalRun,
  type StoredReportSections,
  storeEvalRun,
  writeReportSections,
} from './run-report.js';
export {
  DEFAULT_PROBE_STEPS,
  parseSuggestBudget,
  type SuggestBudget,
  type SuggestRoleRow,
  type SuggestRow,
  type SuggestRunOptions,
  type SuggestRunResult,
  suggestRun,
} from './suggest-run.js';
export { randomBaseWarning, type TrainRunOptions, type TrainRunResult, trainRun } from './train-run.js';
export { type TuneLrRunOptions, type TuneLrRunResult, tuneLrRun } from './tune-lr-run.js';

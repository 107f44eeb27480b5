export { buildOptimizer } from './build-optimizer.js';
export {
  type StepLogs,
  StopFlag,
  type TrainBeginInfo,
  type TrainerCallback,
  type TrainerControl,
} from './callbacks.js';
export { readTrainerState, resolveCheckpointDir } from './checkpoint-io.js';
export { recoverCheckpoints } from './checkpoint-recovery.js';
export { ResumeMismatchError, TrainingDivergedError } from './errors.js';
export { type EvaluateOptions, evaluate } from './evaluate.js';
export type {
  EarlyStoppingConfig,
  EvalOutput,
  Every,
  FitOptions,
  OptimizerConfig,
  ScheduleConfig,
} from './fit-options.js';
export { type AccumulatedStep, GradientAccumulator } from './gradient-accumulator.js';
export type { BatchGradientSource } from './gradient-source.js';
export { MetricMonitor, type MonitorState } from './metric-monitor.js';
export { CLASSIFICATION_FILE, FINAL_EVALUATION_TITLE, fit, Trainer } from './trainer.js';
export {
  TRAINER_CHECKPOINT_FILES,
  TRAINER_STATE_FORMAT,
  TRAINER_STATE_VERSION,
  type TrainerStateFile,
} from './trainer-state.js';

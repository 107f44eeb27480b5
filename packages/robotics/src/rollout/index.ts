/**
 * Seeded policy rollouts with LeRobot's evaluation metrics, recorded trajectories and SVG plots
 * comparing policies.
 */
export { type CollectOptions, collectDemonstrations } from './collect-demonstrations.js';
export {
  type AggregateMetrics,
  aggregateEpisodes,
  type EpisodeMetrics,
  meanStd,
} from './metrics.js';
export { type Action, type BatchPolicy, isBatchPolicy, type Policy, type PolicyFn } from './policy.js';
export {
  type RolloutEvaluatorOptions,
  rolloutEvaluator,
  rolloutEvaluatorOptions,
} from './rollout-evaluator.js';
export { runPolicy } from './run-policy.js';
export { type EnvSource, type RolloutOptions, type RolloutResult, runRollouts } from './run-rollouts.js';
export {
  type PathPlotOptions,
  type PolicyRun,
  type SignalPlotOptions,
  svgPlanarPaths,
  svgRolloutSignals,
} from './svg-plots.js';
export { type Trajectory, trajectorySignal } from './trajectory.js';

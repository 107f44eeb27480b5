/**
 * Training: data loading, parameter groups, optimizers, LR schedules, gradient utilities,
 * losses, metrics, the `Trainer` that composes them, and run reporting. Every building block is
 * usable on its own.
 */
export * from './data/index.js';
export {
  accumulateGradients,
  clipGradNorm,
  cloneGradients,
  disposeGradients,
  type Gradients,
  globalNorm,
  hasNonFinite,
  scaleGradients,
  valueAndGrads,
} from './gradients.js';
export * from './losses/index.js';
export * from './lr-finder/index.js';
export {
  applySchedule,
  createSchedule,
  SCHEDULE_KINDS,
  type Schedule,
  type ScheduleKind,
  type ScheduleOptions,
} from './lr-schedule.js';
export * from './metrics/index.js';
export * from './optim/index.js';
export * from './parallel/index.js';
export {
  assertTrainable,
  type DefaultParamGroupsOptions,
  defaultParamGroups,
  isLoraB,
  type LoraPlusParamGroupsOptions,
  loraPlusParamGroups,
  type NamedParameter,
  type NoDecayRule,
  type ParamGroup,
  rankAtMostOne,
} from './param-groups.js';
export * from './report/index.js';
export * from './suggest/index.js';
export * from './trainer/index.js';

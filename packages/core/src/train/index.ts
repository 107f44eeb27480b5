/**
 * Training building blocks: parameter groups, optimizers, LR schedules, gradient utilities,
 * losses and metrics. The `Trainer` composes these; everything here is usable on its own.
 */
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

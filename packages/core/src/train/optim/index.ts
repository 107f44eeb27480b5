export { Adam } from './adam.js';
export { type AdamOptionValues, AdamW, type AdamWOptions } from './adamw.js';
export {
  BaseOptimizer,
  type GroupDefaults,
  type OptimizerParams,
  type UpdateContext,
} from './base-optimizer.js';
export type {
  Optimizer,
  OptimizerGroup,
  OptimizerHyper,
  OptimizerOptionValues,
  OptimizerState,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDOptionValues } from './sgd.js';

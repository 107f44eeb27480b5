import type { AnyModule } from '../../nn/module.js';
import { createSchedule, type Schedule } from '../lr-schedule.js';
import { Adam } from '../optim/adam.js';
import { AdamW } from '../optim/adamw.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { defaultParamGroups, loraPlusParamGroups, type NamedParameter } from '../param-groups.js';
import type { ResolvedFitOptions, ResolvedOptimizerConfig } from './resolve-options.js';

/**
 * The optimizer a run config describes: parameter groups without weight decay on biases and norms,
 * or the LoRA+ groups when `loraplusLrRatio` is set.
 *
 * @example
 * const opt = buildOptimizer(model.namedParameters({ trainableOnly: true }), resolved.optimizerConfig);
 */
export function buildOptimizer(named: readonly NamedParameter[], c: ResolvedOptimizerConfig): Optimizer {
  const groups =
    c.loraplusLrRatio !== null
      ? loraPlusParamGroups(named, {
          lr: c.lr,
          loraplusLrRatio: c.loraplusLrRatio,
          weightDecay: c.weightDecay,
        })
      : defaultParamGroups(named, { weightDecay: c.weightDecay });
  switch (c.name) {
    case 'adamw':
      return new AdamW(groups, { lr: c.lr, weightDecay: c.weightDecay, betas: c.betas, eps: c.eps });
    case 'adam':
      return new Adam(groups, { lr: c.lr, weightDecay: c.weightDecay, betas: c.betas, eps: c.eps });
    case 'sgd':
      return new SGD(groups, {
        lr: c.lr,
        weightDecay: c.weightDecay,
        momentum: c.momentum,
        nesterov: c.nesterov,
      });
  }
}

/** The run's learning-rate multiplier function (`totalSteps` as resolved from epochs/maxSteps). */
export function buildSchedule<M extends AnyModule, B>(o: ResolvedFitOptions<M, B>): Schedule {
  const s = o.scheduleConfig;
  return createSchedule({
    kind: s.kind,
    warmupSteps: s.warmupSteps,
    ...(o.totalSteps !== undefined ? { totalSteps: o.totalSteps } : {}),
    ...(s.minLrRatio !== null ? { minLrRatio: s.minLrRatio } : {}),
  });
}

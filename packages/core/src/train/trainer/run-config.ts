import type { AnyModule } from '../../nn/module.js';
import type { NamedParameter } from '../param-groups.js';
import type { ResolvedFitOptions } from './resolve-options.js';

/**
 * The settings that determine a run's trajectory, hashed into `trainer_state.json`: resuming with
 * different values would not continue bit-for-bit, so `fit` refuses unless `strictResume: false`.
 */
export function trajectoryConfig<M extends AnyModule, B>(
  o: ResolvedFitOptions<M, B>,
  named: readonly NamedParameter[],
): Record<string, unknown> {
  return {
    optimizer: o.optimizerConfig,
    schedule: o.scheduleConfig,
    gradientAccumulationSteps: o.accumulation,
    maxGradNorm: o.clipNorm,
    train: o.train.describe(),
    trainable: named.map(([p, param]) => `${p}:[${param.shape.join(',')}]`),
  };
}

/**
 * Settings a resumed run may change without leaving the trajectory (training longer, evaluating
 * differently; the seed only matters for a fresh start since resume restores the RNG). Changes
 * are reported. `totalSteps` does move linear/cosine schedules, which is what training longer means.
 */
export function softConfig<M extends AnyModule, B>(o: ResolvedFitOptions<M, B>): Record<string, unknown> {
  return {
    epochs: o.epochs ?? null,
    maxSteps: o.maxSteps ?? null,
    totalSteps: o.totalSteps ?? null,
    eval: o.eval?.describe() ?? null,
    evalEvery: o.evalCadence ?? null,
    checkpointEvery: o.checkpointCadence,
    monitor: o.monitor ?? null,
    seed: o.seedValue,
  };
}

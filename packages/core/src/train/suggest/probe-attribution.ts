import * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../../nn/module.js';
import type { BatchSource } from '../data/data-loader.js';
import { valueAndGrads } from '../gradients.js';
import { Adam } from '../optim/adam.js';
import type { NamedParameter } from '../param-groups.js';
import { visitSeededBatches } from './seeded-batches.js';

export interface ProbeAttributionOptions<M extends AnyModule, B> {
  /** The model with a probe adapter on every candidate (and whatever else trains, e.g. the head). */
  readonly model: M;
  /** Each candidate's adapter parameters, by candidate path; they and `others` train together. */
  readonly groups: ReadonlyMap<string, readonly NamedParameter[]>;
  /** Parameters that train with the adapters but are attributed to no candidate (a fresh head). */
  readonly others: readonly NamedParameter[];
  readonly batches: BatchSource<B>;
  /** The run's loss on one batch; called with the model in eval mode (no dropout noise). */
  readonly loss: (model: M, batch: B) => tf.Scalar;
  /** Adam steps of the probe. */
  readonly steps: number;
  readonly lr: number;
  readonly seed: number;
}

/**
 * Trains the probe adapters (and `others`) jointly for a few Adam steps and attributes the loss
 * decrease to each candidate: the first-order decrease its own parameters caused, summed over the
 * steps, `sum_t -g_t . (theta_{t+1} - theta_t)` over the candidate's parameters. Unlike a score
 * from the first step, this sees what an adapter does once both of its factors move (a LoRA
 * `lora_A` starts small on a wide input and only then grows) and how candidates compete for the
 * same loss. The model's parameter values change (it is a probe: the caller discards the adapter);
 * its mode and the RNG are left as they were. A negative total (the steps raised the loss through
 * that candidate) counts as zero.
 */
export async function probeAttribution<M extends AnyModule, B>(
  o: ProbeAttributionOptions<M, B>,
): Promise<Map<string, number>> {
  if (!Number.isInteger(o.steps) || o.steps < 1) {
    throw new Error(`probeAttribution: steps must be a positive integer, got ${o.steps}`);
  }
  const attributed = [...o.groups].flatMap(([path, params]) =>
    params.map(([name, p]) => ({ name, p, path })),
  );
  if (!attributed.length) throw new Error('probeAttribution: no candidate has a parameter to train');
  const named: NamedParameter[] = [...[...o.groups.values()].flat(), ...o.others];
  const optimizer = new Adam(named, { lr: o.lr });
  const totals = new Map<string, number>([...o.groups.keys()].map((p) => [p, 0]));
  try {
    await visitSeededBatches(
      { model: o.model, batches: o.batches, count: o.steps, seed: o.seed, caller: 'probeAttribution' },
      async (batch) => {
        // One entry per attributed parameter: -g . (its move this step).
        const decrease = tf.tidy(() => {
          const { grads } = valueAndGrads(named, () => o.loss(o.model, batch));
          const before = attributed.map((a) => a.p.value.clone());
          optimizer.step(grads);
          return tf.stack(
            attributed.map((a, i) => {
              const g = grads.get(a.name);
              return g ? tf.neg(tf.sum(tf.mul(g, tf.sub(a.p.value, before[i]!)))) : tf.scalar(0);
            }),
          );
        });
        const values = await decrease.data();
        decrease.dispose();
        attributed.forEach((a, i) => {
          totals.set(a.path, totals.get(a.path)! + values[i]!);
        });
      },
    );
  } finally {
    optimizer.dispose();
  }
  for (const [p, v] of totals) {
    if (!Number.isFinite(v))
      throw new Error(`probeAttribution: the attribution of ${p} is not finite (loss diverged?)`);
    totals.set(p, Math.max(0, v));
  }
  return totals;
}

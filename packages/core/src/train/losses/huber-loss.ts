import * as tf from '@tensorflow/tfjs';
import { assertSameShape, type Reduction, reduce } from './reduction.js';

export interface HuberLossOptions {
  /** Where the loss turns from quadratic to linear (default 1, > 0). */
  delta?: number;
  reduction?: Reduction;
}

/**
 * Huber loss as torch's `huber_loss`: with `d = |pred - target|`,
 * `0.5 * d^2` if `d < delta`, else `delta * (d - 0.5 * delta)`. Written as
 * `q = min(d, delta); 0.5 q^2 + delta (d - q)`, which is the same function with a gradient that
 * needs no `where`.
 *
 * @example
 * ```ts
 * const loss = huberLoss(pred, target, { delta: 0.5 });
 * ```
 */
export function huberLoss(pred: tf.Tensor, target: tf.Tensor, options: HuberLossOptions = {}): tf.Tensor {
  const caller = 'huberLoss';
  assertSameShape(pred, 'pred', target, 'target', caller);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error(`${caller}: delta must be > 0, got ${delta}`);
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(pred, target));
    const q = tf.minimum(d, delta);
    const losses = tf.add(tf.mul(tf.square(q), 0.5), tf.mul(tf.sub(d, q), delta));
    return reduce(losses, options.reduction ?? 'mean', caller);
  });
}

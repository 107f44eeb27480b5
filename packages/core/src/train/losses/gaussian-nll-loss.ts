import * as tf from '@tensorflow/tfjs';
import { type Reduction, reduce } from './reduction.js';

export interface GaussianNllLossOptions {
  /** Variances are clamped to at least this in the forward pass (default 1e-6). */
  eps?: number;
  /** Add the constant `0.5 * log(2 pi)` (default false). */
  full?: boolean;
  reduction?: Reduction;
}

/**
 * Gaussian negative log-likelihood as torch's `gaussian_nll_loss`:
 *
 * ```
 * loss = 0.5 * (log(max(var, eps)) + (mean - target)^2 / max(var, eps))  [+ 0.5 * log(2 pi) if full]
 * ```
 *
 * Like torch, the clamp does not block gradients: the gradient is taken at the clamped value and
 * passed straight through to `variance`, so a head that outputs a tiny variance still learns.
 * `variance` must have the shape of `mean`, or broadcast to it (e.g. last dimension 1 for one
 * shared variance). Negative variances are an error (checked on the host, one small sync).
 *
 * @example
 * ```ts
 * const loss = gaussianNllLoss(mu, tf.softplus(rawVar), target);
 * ```
 */
export function gaussianNllLoss(
  mean: tf.Tensor,
  variance: tf.Tensor,
  target: tf.Tensor,
  options: GaussianNllLossOptions = {},
): tf.Tensor {
  const caller = 'gaussianNllLoss';
  if (mean.shape.length !== target.shape.length || mean.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`${caller}: mean shape [${mean.shape}] != target shape [${target.shape}]`);
  }
  const broadcast = tf.broadcast_util.assertAndGetBroadcastShape(mean.shape, variance.shape);
  if (broadcast.length !== mean.shape.length || broadcast.some((d, i) => d !== mean.shape[i])) {
    throw new Error(`${caller}: variance shape [${variance.shape}] does not broadcast to [${mean.shape}]`);
  }
  const eps = options.eps ?? 1e-6;
  if (!(eps > 0)) throw new Error(`${caller}: eps must be > 0, got ${eps}`);
  const v = variance.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (v[i]! < 0) throw new Error(`${caller}: variance has a negative entry (${v[i]} at flat index ${i})`);
  }
  const clampStraightThrough = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return { value: tf.maximum(x, eps), gradFunc: (dy: tf.Tensor) => dy };
  });
  return tf.tidy(() => {
    const varC = clampStraightThrough(variance) as tf.Tensor;
    let losses = tf.mul(tf.add(tf.log(varC), tf.div(tf.squaredDifference(mean, target), varC)), 0.5);
    if (options.full) losses = tf.add(losses, 0.5 * Math.log(2 * Math.PI));
    return reduce(losses, options.reduction ?? 'mean', caller);
  });
}

import * as tf from '@tensorflow/tfjs';
import { assertSameShape, type Reduction, reduce } from './reduction.js';

/**
 * Mean squared error `(pred - target)^2`, reduced as torch's `mse_loss` (default mean over all
 * elements).
 *
 * @example
 * ```ts
 * const loss = mseLoss(pred, target);
 * ```
 */
export function mseLoss(
  pred: tf.Tensor,
  target: tf.Tensor,
  options: { reduction?: Reduction } = {},
): tf.Tensor {
  assertSameShape(pred, 'pred', target, 'target', 'mseLoss');
  return tf.tidy(() => reduce(tf.squaredDifference(pred, target), options.reduction ?? 'mean', 'mseLoss'));
}

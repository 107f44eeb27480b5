import * as tf from '@tensorflow/tfjs';
import { assertSameShape, type Reduction, reduce } from './reduction.js';

export interface BinaryCrossEntropyOptions {
  /** Weight of positive examples per class (last dimension), as torch's `pos_weight`. */
  posWeight?: readonly number[];
  reduction?: Reduction;
}

/**
 * Sigmoid + binary cross-entropy in one stable expression, as
 * `torch.nn.functional.binary_cross_entropy_with_logits`. With `x` the logits, `y` the targets in
 * [0, 1] (same shape) and `pw` the positive weight (1 if none):
 *
 * ```
 * loss = (1 - y) * x + (1 + (pw - 1) * y) * softplus(-x)
 * ```
 *
 * `softplus(-x)` uses the stable Softplus kernel with an explicit gradient `-sigmoid(-x)`, exact
 * at `x = 0` (a `max(x,0) + log1p(exp(-|x|))` form has a zero subgradient there, which would
 * mis-train a zero-initialised head). Logits of +/-1000 give finite losses and gradients.
 *
 * @example
 * ```ts
 * const loss = binaryCrossEntropyWithLogits(logits, tf.tensor2d([[1, 0]]), { posWeight: [3, 1] });
 * ```
 */
/**
 * `softplus(-x)` with gradient `-sigmoid(-x)`. Not `-tf.logSigmoid(x)`: in tfjs 4.22 its custom
 * gradient closes over the input instead of saving it, so when `x` is an intermediate (logits from
 * a layer) backprop reads a disposed tensor ("Cannot read properties of undefined (reading
 * 'backend')"). `save` keeps the input alive until the backward pass.
 */
const softplusNeg = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: tf.softplus(tf.neg(x)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.neg(tf.mul(dy, tf.sigmoid(tf.neg(saved[0]!)))),
  };
});

export function binaryCrossEntropyWithLogits(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: BinaryCrossEntropyOptions = {},
): tf.Tensor {
  const caller = 'binaryCrossEntropyWithLogits';
  assertSameShape(logits, 'logits', targets, 'targets', caller);
  const pw = options.posWeight;
  const last = logits.shape[logits.rank - 1] ?? 1;
  if (pw && pw.length !== last && pw.length !== 1) {
    throw new Error(`${caller}: posWeight has ${pw.length} entries; the last dimension is ${last}`);
  }
  return tf.tidy(() => {
    const x = logits;
    const y = tf.cast(targets, 'float32');
    const softplusNegX = softplusNeg(x);
    const coef = pw ? tf.add(1, tf.mul(tf.sub(tf.tensor1d([...pw]), 1), y)) : tf.scalar(1);
    const losses = tf.add(tf.mul(tf.sub(1, y), x), tf.mul(coef, softplusNegX));
    return reduce(losses, options.reduction ?? 'mean', caller);
  });
}

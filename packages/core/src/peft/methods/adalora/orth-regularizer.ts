import * as tf from '@tensorflow/tfjs';
import type { SvdLinear } from './layer.js';

/**
 * AdaLoRA's orthogonal regulariser (HF `AdaLoraModel.forward`): the mean over every `lora_A` and
 * `lora_B` of adapter `name` of `||P P^T - I||_F` for A (`[r, in]` in HF's layout) and
 * `||P^T P - I||_F` for B (`[out, r]`), pushing both towards orthonormal singular vectors.
 * Returns `undefined` when no layer holds the adapter. Call inside the gradient tape.
 */
export function orthogonalRegularization(layers: readonly SvdLinear[], name: string): tf.Scalar | undefined {
  const holders = layers.filter((l) => l.hasAdapter(name));
  if (holders.length === 0) return undefined;
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (const layer of holders) {
      const { a, b } = layer.factors(name);
      const r = layer.rank(name);
      if (r === 0) {
        // HF counts a rank-0 factor with a zero-sized (zero-norm) covariance.
        terms.push(tf.scalar(0), tf.scalar(0));
        continue;
      }
      const eye = tf.eye(r);
      // Memory layouts: A is [in, r] and B is [r, out], so both covariances are [r, r]. Explicit
      // transposes keep the matMuls on the fast plain 2-D path.
      const covA = tf.matMul(tf.transpose(a.value), a.value);
      const covB = tf.matMul(b.value, tf.transpose(b.value));
      for (const cov of [covA, covB]) terms.push(tf.sqrt(tf.sum(tf.square(tf.sub(cov, eye)))) as tf.Scalar);
    }
    return tf.div(tf.addN(terms), terms.length) as tf.Scalar;
  });
}

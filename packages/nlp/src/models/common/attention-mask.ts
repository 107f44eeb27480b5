import * as tf from '@tensorflow/tfjs';

/** Added to the scores of masked positions; exp() of it underflows to exactly 0. */
export const MASKED_SCORE = -1e9;

/**
 * A padding mask `[B, S]` (1 = attend, 0 = padding; any dtype) as an additive mask
 * `[B, 1, 1, S]` broadcastable over heads and query positions.
 */
export function additivePaddingMask(mask: tf.Tensor, caller: string): tf.Tensor {
  if (mask.rank !== 2) throw new Error(`${caller}: attentionMask must be [B, T], got [${mask.shape}]`);
  const [b, s] = mask.shape as [number, number];
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), MASKED_SCORE), [b, 1, 1, s]);
}

/**
 * The causal mask of `t` new queries over `past + t` keys (query i sees keys <= past + i), as an
 * additive `[1, 1, t, past + t]` tensor.
 */
export function causalMask(t: number, past: number): tf.Tensor {
  const s = past + t;
  const c = new Float32Array(t * s);
  for (let i = 0; i < t; i++) for (let j = past + i + 1; j < s; j++) c[i * s + j] = MASKED_SCORE;
  return tf.tensor4d(c, [1, 1, t, s]);
}

/**
 * The additive mask of an encoder call (undefined without `attentionMask`), checked to cover the
 * `length` positions of the embeddings (virtual tokens included).
 */
export function encoderPaddingMask(
  attentionMask: tf.Tensor | undefined,
  length: number,
  caller: string,
): tf.Tensor | undefined {
  if (!attentionMask) return undefined;
  const mask = additivePaddingMask(attentionMask, caller);
  if (mask.shape[3] !== length) {
    throw new Error(`${caller}: attentionMask covers ${mask.shape[3]} positions, the embeddings ${length}`);
  }
  return mask;
}

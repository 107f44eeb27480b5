import * as tf from '@tensorflow/tfjs';

/**
 * Added to the attention scores of forbidden positions. exp() of it underflows to exactly 0 in
 * float32, and unlike `-Infinity` a fully masked row gives a uniform softmax instead of NaN.
 */
export const MASKED_SCORE = -1e9;

/**
 * A padding mask `[B, S]` (1 = attend, 0 = padding; any dtype) as an additive mask
 * `[B, 1, 1, S]` that broadcasts over heads and query positions.
 *
 * @example
 * const add = additivePaddingMask(tf.tensor2d([[1, 1, 0]]), 'MyModel.forward'); // [[[[0, 0, -1e9]]]]
 */
export function additivePaddingMask(mask: tf.Tensor, caller: string): tf.Tensor {
  if (mask.rank !== 2) throw new Error(`${caller}: attentionMask must be [B, T], got [${mask.shape}]`);
  const [b, s] = mask.shape as [number, number];
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), MASKED_SCORE), [b, 1, 1, s]);
}

/**
 * The causal mask of `t` new queries over `past + t` keys, as an additive `[1, 1, t, past + t]`
 * tensor: query `i` sees keys `<= past + i`. `past` is the number of cached positions
 * (generation with a key/value cache); 0 for a plain causal self-attention.
 *
 * @example causalMask(2, 1) // [[[[0, 0, -1e9], [0, 0, 0]]]]
 */
export function causalMask(t: number, past = 0): tf.Tensor {
  const s = past + t;
  const c = new Float32Array(t * s);
  for (let i = 0; i < t; i++) for (let j = past + i + 1; j < s; j++) c[i * s + j] = MASKED_SCORE;
  return tf.tensor4d(c, [1, 1, t, s]);
}

/**
 * Extends an additive mask `[B|1, H|1, Tq, S]` with `p` zero (visible) columns in front: the
 * prefix-tuning positions every query may attend to. Returns the mask itself when `p` is 0 and
 * undefined without a mask.
 *
 * @example const scoresMask = extendMaskForPrefix(padding, prefix.key.shape[1]);
 */
export function extendMaskForPrefix(mask: tf.Tensor | undefined, p: number): tf.Tensor | undefined {
  if (!mask || p === 0) return mask;
  if (mask.rank !== 4) {
    throw new Error(`extendMaskForPrefix: the additive mask must have rank 4, got [${mask.shape}]`);
  }
  const [b, h, tq] = mask.shape as [number, number, number, number];
  return tf.concat([tf.zeros([b, h, tq, p]), mask], 3);
}

/**
 * A per-position input `[B, T, ...]` with `count` positions of `fill` in front: how a
 * `PromptAware` model keeps its other inputs in step with the virtual tokens prompt tuning
 * prepends to the embeddings (padding masks get 1, ids and segment types 0).
 *
 * @example
 * withVirtualTokens([x, { attentionMask }], count) {
 *   return [x, { attentionMask: prependVirtualTokens(attentionMask, count, 1) }];
 * }
 */
export function prependVirtualTokens(t: tf.Tensor, count: number, fill: number): tf.Tensor {
  if (t.rank < 2) throw new Error(`prependVirtualTokens: expected [B, T, ...], got [${t.shape}]`);
  if (count === 0) return t;
  const shape = [...t.shape];
  shape[1] = count;
  return tf.concat([tf.fill(shape, fill, t.dtype), t], 1);
}

import * as tf from '@tensorflow/tfjs';
import { extendMaskForPrefix } from './attention-mask.js';
import type { AttentionPrefix } from './prefix-hook.js';

// Attention maths shared by every transformer in peftkit. Transposes are explicit (never
// matMul's transpose flags): the wasm backend's matMul is fast only for plain, non-transposed
// operands, so keys are laid out `[B, H, D, S]` once and both products are plain batched matMuls.

/** `[B, T, H * D]` -> `[B, H, T, D]` (queries and values). */
export function splitHeads(x: tf.Tensor, numHeads: number): tf.Tensor {
  const [b, t, e] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, t, numHeads, e / numHeads]), [0, 2, 1, 3]);
}

/** `[B, S, H * D]` -> `[B, H, D, S]`: keys, ready for `q @ kT`. */
export function splitHeadsTransposed(x: tf.Tensor, numHeads: number): tf.Tensor {
  const [b, s, e] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, s, numHeads, e / numHeads]), [0, 2, 3, 1]);
}

/** `[B, H, T, D]` -> `[B, T, H * D]`. */
export function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * d]);
}

/** What `attendHeads` applies between the scores and the values. */
export interface AttendOptions {
  /** Additive mask broadcastable to `[B, H, Tq, S]` (0 = visible, `MASKED_SCORE` = hidden). */
  mask?: tf.Tensor | undefined;
  /** Applied to the attention probabilities (dropout; a `Dropout` module's `forward`). */
  dropout?: ((probs: tf.Tensor) => tf.Tensor) | undefined;
}

/**
 * `softmax(q @ kT + mask) @ v` per head: `q` `[B, H, Tq, D]` (already scaled), `kT`
 * `[B, H, D, S]`, `v` `[B, H, S, D]` -> `[B, H, Tq, D]`. The one place the scores are formed; for
 * attentions with their own key layout (a fused projection, a key/value cache).
 *
 * @example const ctx = mergeHeads(attendHeads(tf.mul(splitHeads(q, h), scale), kT, splitHeads(v, h), { mask }));
 */
export function attendHeads(
  q: tf.Tensor,
  kT: tf.Tensor,
  v: tf.Tensor,
  options: AttendOptions = {},
): tf.Tensor {
  let scores = tf.matMul(q, kT);
  if (options.mask) scores = tf.add(scores, options.mask);
  let probs = tf.softmax(scores, -1);
  if (options.dropout) probs = options.dropout(probs);
  return tf.matMul(probs, v);
}

/** Options of `multiHeadContext`. */
export interface MultiHeadContextOptions extends AttendOptions {
  numHeads: number;
  /**
   * Additive mask broadcastable to `[B, H, Tq, Tk]`; with a prefix it is extended by
   * `extendMaskForPrefix` (so it must have rank 4 then).
   */
  mask?: tf.Tensor | undefined;
  /** Multiplies the queries (default `1 / sqrt(headDim)`). */
  scale?: number;
  /** Prefix-tuning keys/values `[B, P, E]`, already projected, put in front of the keys. */
  prefix?: AttentionPrefix | undefined;
}

/**
 * Multi-head scaled dot-product attention on projected inputs: `query` `[B, Tq, E]`, `key` and
 * `value` `[B, Tk, E]` -> the heads' context concatenated back to `[B, Tq, E]` (before any
 * output projection). A prefix is prepended to the keys and values and the mask gets visible
 * columns for it, so every query may attend to every prefix position.
 *
 * @example
 * const ctx = multiHeadContext(q, k, v, { numHeads: 4, mask: additivePaddingMask(m, 'MyAttention') });
 */
export function multiHeadContext(
  query: tf.Tensor,
  key: tf.Tensor,
  value: tf.Tensor,
  options: MultiHeadContextOptions,
): tf.Tensor {
  const h = options.numHeads;
  const e = query.shape[2] as number;
  let k = key;
  let v = value;
  const p = options.prefix ? (options.prefix.key.shape[1] as number) : 0;
  if (options.prefix) {
    k = tf.concat([options.prefix.key, k], 1);
    v = tf.concat([options.prefix.value, v], 1);
  }
  const q = tf.mul(splitHeads(query, h), options.scale ?? 1 / Math.sqrt(e / h));
  const ctx = attendHeads(q, splitHeadsTransposed(k, h), splitHeads(v, h), {
    mask: extendMaskForPrefix(options.mask, p),
    dropout: options.dropout,
  });
  return mergeHeads(ctx);
}

import type { AttentionPrefix, UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { extendMaskForPrefix } from './prefix-hook.js';

/** The projected inputs of one bidirectional multi-head attention call. */
export interface MultiHeadInputs {
  /** Projected queries, keys and values `[B, T, E]`. */
  readonly query: tf.Tensor;
  readonly key: tf.Tensor;
  readonly value: tf.Tensor;
  readonly numHeads: number;
  /** Additive padding mask `[B, 1, 1, T]`, or undefined. */
  readonly mask: tf.Tensor | undefined;
  /** Attention-probability dropout. */
  readonly dropout: UnaryModule;
  /** Prefix-tuning keys/values `[B, P, E]` every query may attend to, or undefined. */
  readonly prefix: AttentionPrefix | undefined;
}

/**
 * `softmax(q k^T / sqrt(d) + mask) v` per head, heads concatenated back to `[B, T, E]`: the
 * encoder self-attention of BERT and DistilBERT (which differ only in their projections' names).
 */
export function multiHeadContext(a: MultiHeadInputs): tf.Tensor {
  const [b, t, e] = a.query.shape as [number, number, number];
  const nh = a.numHeads;
  const d = e / nh;
  let k = a.key;
  let v = a.value;
  const p = a.prefix ? (a.prefix.key.shape[1] as number) : 0;
  if (a.prefix) {
    k = tf.concat([a.prefix.key, k], 1);
    v = tf.concat([a.prefix.value, v], 1);
  }
  const s = p + t;
  // Explicit transposes: wasm's matMul is fast only for non-transposed operands.
  const q = tf.mul(tf.transpose(tf.reshape(a.query, [b, t, nh, d]), [0, 2, 1, 3]), 1 / Math.sqrt(d));
  const kt = tf.transpose(tf.reshape(k, [b, s, nh, d]), [0, 2, 3, 1]);
  const vh = tf.transpose(tf.reshape(v, [b, s, nh, d]), [0, 2, 1, 3]);
  let scores = tf.matMul(q, kt);
  const m = extendMaskForPrefix(a.mask, p);
  if (m) scores = tf.add(scores, m);
  const probs = a.dropout.forward(tf.softmax(scores, -1));
  return tf.reshape(tf.transpose(tf.matMul(probs, vh), [0, 2, 1, 3]), [b, t, e]);
}

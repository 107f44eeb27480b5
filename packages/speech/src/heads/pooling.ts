import { Module, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { hfLinear } from './init-linear.js';

/** Below this the pooled variance is clamped before the square root (its gradient stays finite). */
const VARIANCE_FLOOR = 1e-6;

/**
 * Mean of `hidden [B, T, D]` over the valid frames of `mask [B, T]` (all frames without one), as
 * HF's `Wav2Vec2ForSequenceClassification`: padded frames are zeroed, not just down-weighted, so
 * their values (even huge ones) never reach the result.
 */
export function maskedMeanPool(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
  if (!mask) return tf.mean(hidden, 1);
  return tf.tidy(() => {
    const m = tf.expandDims(mask, 2);
    const kept = tf.where(tf.greater(m, 0), hidden, tf.zerosLike(hidden));
    return tf.div(tf.sum(kept, 1), tf.maximum(tf.sum(m, 1), 1));
  });
}

/**
 * Attentive statistics pooling (Okabe et al. 2018, as in ECAPA-TDNN): a small network scores every
 * frame (`attention`: D -> A, tanh, `score`: A -> 1), the scores are softmaxed over the valid
 * frames, and the result is the attention-weighted mean and standard deviation, concatenated:
 * `[B, 2D]`. Padded frames get weight exactly 0.
 */
export class AttentiveStatisticsPooling extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  constructor(features: number, attentionSize: number, initializerRange: number) {
    super();
    this.registerModule('attention', hfLinear(features, attentionSize, initializerRange));
    this.registerModule('score', hfLinear(attentionSize, 1, initializerRange));
  }

  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const [b, t, d] = hidden.shape as [number, number, number];
    const valid = mask ? tf.greater(mask, 0) : undefined;
    // Padded frames are replaced before anything reads them, so their values cannot leak (NaN included).
    const h = valid ? tf.where(tf.expandDims(valid, 2), hidden, tf.zerosLike(hidden)) : hidden;
    const e = tf.tanh(this.child<UnaryModule>('attention').forward(h));
    let scores = tf.reshape(this.child<UnaryModule>('score').forward(e), [b, t]);
    if (valid) scores = tf.where(valid, scores, tf.fill([b, t], -1e9));
    const w = tf.expandDims(tf.softmax(scores, -1), 2); // [B, T, 1]
    const mean = tf.sum(tf.mul(h, w), 1); // [B, D]
    const centred = tf.sub(h, tf.expandDims(mean, 1));
    const variance = tf.sum(tf.mul(tf.square(centred), w), 1);
    const std = tf.sqrt(tf.maximum(variance, VARIANCE_FLOOR));
    return tf.reshape(tf.concat([mean, std], 1), [b, 2 * d]);
  }
}

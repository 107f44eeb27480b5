import * as tf from '@tensorflow/tfjs';
import type { LayerKv } from '../gpt2/attention.js';

/**
 * A decoder's key/value cache, one entry per decoder layer, all `[B, H, S, D]`: `self` grows by
 * the new positions every step; `cross` holds the encoder output's keys/values, computed once
 * per source and reused by every step. The caller owns the tensors (`disposeSeq2SeqCache`).
 */
export type Seq2SeqCache = {
  self: LayerKv[];
  cross: LayerKv[];
};

/** Number of decoder positions the cache holds (0 without a cache). */
export function seq2seqCacheLength(cache: Seq2SeqCache | undefined): number {
  return (cache?.self[0]?.key.shape[2] as number | undefined) ?? 0;
}

/** Disposes every tensor of `cache` (no-op for undefined). */
export function disposeSeq2SeqCache(cache: Seq2SeqCache | undefined): void {
  if (!cache) return;
  for (const kv of [...cache.self, ...cache.cross]) {
    kv.key.dispose();
    kv.value.dispose();
  }
}

/**
 * The cache with its rows picked by `rows` int32 `[B']` (beam search keeps the surviving beams'
 * histories). Returns new tensors; the input cache is left to the caller.
 */
export function reorderSeq2SeqCache(
  cache: Seq2SeqCache,
  rows: tf.Tensor1D,
  reorderCross: boolean,
): Seq2SeqCache {
  return tf.tidy(() => {
    const pick = (kv: LayerKv): LayerKv => ({
      key: tf.gather(kv.key, rows),
      value: tf.gather(kv.value, rows),
    });
    return {
      self: cache.self.map(pick),
      cross: reorderCross
        ? cache.cross.map(pick)
        : cache.cross.map((kv) => ({ key: kv.key.clone(), value: kv.value.clone() })),
    };
  });
}

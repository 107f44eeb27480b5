import type * as tf from '@tensorflow/tfjs';

/**
 * Keys and values of the positions seen so far, one `[B, H, S, D]` pair per layer, so a
 * generation step only computes the new token. Returned by the model as new tensors each step;
 * the caller owns them and disposes the previous cache (`disposeKvCache`).
 */
export interface KvCache {
  readonly keys: readonly tf.Tensor[];
  readonly values: readonly tf.Tensor[];
}

/** Number of cached positions (0 for an empty or absent cache). */
export function kvCacheLength(cache: KvCache | undefined): number {
  return (cache?.keys[0]?.shape[2] as number | undefined) ?? 0;
}

export function disposeKvCache(cache: KvCache | undefined): void {
  if (!cache) return;
  for (const t of [...cache.keys, ...cache.values]) t.dispose();
}

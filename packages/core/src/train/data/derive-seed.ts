/**
 * A 32-bit seed derived from a base seed and a few integers (epoch, batch index, purpose), so
 * that every epoch's permutation and every batch's augmentation generator is a pure function of
 * the loader seed: nothing depends on when (or whether) prefetching ran.
 */
export function deriveSeed(base: number, ...parts: number[]): number {
  // murmur3-style finalizer over the words; good avalanche, 32-bit integer arithmetic only.
  let h = (base >>> 0) ^ 0x9e3779b9;
  for (const p of parts) {
    let k = Math.imul(p >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

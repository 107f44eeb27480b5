import type { Rng } from '@peftkit/core';

/** How many spans of which length to mask along one axis (HF's `mask_time_*` / `mask_feature_*`). */
export interface SpanMaskSettings {
  /** Expected share of the axis covered (an upper bound: spans may overlap). */
  readonly prob: number;
  readonly spanLength: number;
  /** Spans per row at least. */
  readonly minMasks: number;
}

/**
 * SpecAugment span masks, as HF's `_compute_mask_indices`: per row, `prob * length / spanLength`
 * spans (rounded with one shared random offset, at least `minMasks`, at most what fits) start at
 * distinct random positions within the row's own length, and every row gets the same number of
 * spans (short rows repeat their first span). Returns `[batch * axis]` 0/1 values, row-major.
 * Draws from `rng`, so `setSeed` makes the masks repeatable. An axis shorter than one span is
 * not masked (HF raises).
 *
 * @example computeSpanMask(getRng(), 2, 50, { prob: 0.05, spanLength: 10, minMasks: 2 }, [50, 31])
 */
export function computeSpanMask(
  rng: Rng,
  batch: number,
  axis: number,
  s: SpanMaskSettings,
  rowLengths?: readonly number[],
): Uint8Array {
  const mask = new Uint8Array(batch * axis);
  if (s.prob <= 0 || s.spanLength > axis) return mask;
  const epsilon = rng.next();
  const spansFor = (length: number): number => {
    let n = Math.max(Math.floor((s.prob * length) / s.spanLength + epsilon), s.minMasks);
    if (n * s.spanLength > axis) n = Math.floor(axis / s.spanLength);
    if (length - (s.spanLength - 1) < n) n = Math.max(length - (s.spanLength - 1), 0);
    return n;
  };
  const maxSpans = spansFor(axis);
  if (maxSpans === 0) return mask;
  for (let b = 0; b < batch; b++) {
    const length = rowLengths?.[b] ?? axis;
    const starts = distinctSample(rng, Math.max(length - (s.spanLength - 1), 0), spansFor(length));
    const dummy = starts[0] ?? axis - 1;
    while (starts.length < maxSpans) starts.push(dummy);
    for (const start of starts) {
      for (let k = 0; k < s.spanLength; k++) mask[b * axis + Math.min(start + k, axis - 1)] = 1;
    }
  }
  return mask;
}

/** `count` distinct integers from [0, n), in random order (partial Fisher-Yates). */
function distinctSample(rng: Rng, n: number, count: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  const k = Math.min(count, n);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, k);
}

import type { FeatureStats } from '../data/episode.js';

/** How observations and actions are scaled (LeRobot's `NormalizationMode`). */
export type NormalizationMode = 'mean_std' | 'min_max' | 'identity';

/** Per-component affine map `x -> (x - shift) / scale`, invertible. */
export interface Normalizer {
  readonly shift: readonly number[];
  readonly scale: readonly number[];
}

/**
 * The affine map for `mode`: `mean_std` gives zero mean / unit std, `min_max` maps [min, max]
 * to [-1, 1] (as LeRobot does), `identity` changes nothing. Scales are floored at `minScale` so a
 * constant component (a fixed goal coordinate) does not blow up.
 */
export function normalizerFor(stats: FeatureStats, mode: NormalizationMode, minScale: number): Normalizer {
  const dim = stats.mean.length;
  if (mode === 'identity') return { shift: new Array(dim).fill(0), scale: new Array(dim).fill(1) };
  if (mode === 'mean_std') {
    return { shift: [...stats.mean], scale: stats.std.map((s) => Math.max(s, minScale)) };
  }
  return {
    shift: stats.min.map((lo, j) => (lo + (stats.max[j] as number)) / 2),
    scale: stats.min.map((lo, j) => Math.max(((stats.max[j] as number) - lo) / 2, minScale)),
  };
}

/** Writes `(x - shift) / scale` of `x` into `out` at `offset`. */
export function normalizeInto(n: Normalizer, x: ArrayLike<number>, out: Float32Array, offset = 0): void {
  for (let j = 0; j < n.shift.length; j++)
    out[offset + j] = ((x[j] as number) - (n.shift[j] as number)) / (n.scale[j] as number);
}

/** `x * scale + shift`: back to the data's units. */
export function denormalize(n: Normalizer, x: ArrayLike<number>): number[] {
  return Array.from(
    { length: n.shift.length },
    (_, j) => (x[j] as number) * (n.scale[j] as number) + (n.shift[j] as number),
  );
}

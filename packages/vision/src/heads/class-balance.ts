import type { Dataset, Rng } from '@peftkit/core';

/**
 * Per-class weights from class counts. `balanced`: `n / (K * count)` (scikit-learn's
 * `class_weight='balanced'`); `effective`: Cui et al.'s effective number of samples,
 * `(1 - beta) / (1 - beta^count)`, rescaled to average 1. Classes with no examples get 0.
 *
 * @example classWeightsFromCounts([900, 100]) // [0.556, 5]
 */
export function classWeightsFromCounts(
  counts: readonly number[],
  mode: 'balanced' | 'effective' = 'balanced',
  beta = 0.999,
): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  if (n === 0 || present === 0) throw new Error('classWeightsFromCounts: no examples');
  if (mode === 'balanced') return counts.map((c) => (c > 0 ? n / (present * c) : 0));
  const raw = counts.map((c) => (c > 0 ? (1 - beta) / (1 - beta ** c) : 0));
  const mean = raw.reduce((a, b) => a + b, 0) / present;
  return raw.map((w) => w / mean);
}

/** Multi-label positive weights (negatives / positives per class; 1 for a class never positive). */
export function posWeightsFromRows(rows: readonly (readonly number[])[]): number[] {
  const k = rows[0]?.length ?? 0;
  return Array.from({ length: k }, (_, j) => {
    const pos = rows.reduce((s, r) => s + ((r[j] ?? 0) > 0.5 ? 1 : 0), 0);
    return pos > 0 ? (rows.length - pos) / pos : 1;
  });
}

/**
 * Class-balanced sampling: a map-style dataset of `size` examples (default: the source's length)
 * drawn so every class appears equally often — each draw picks a class uniformly, then one of its
 * examples uniformly, with replacement — deterministically from `rng`. Wrap a training dataset
 * with it instead of (or besides) weighting the loss.
 *
 * @example const balanced = classBalancedDataset(train, (e) => e.label as number, labels, new Rng(0));
 */
export async function classBalancedDataset<T>(
  source: Dataset<T>,
  labelOf: (example: T) => number,
  numClasses: number,
  rng: Rng,
  size = source.length,
): Promise<Dataset<T>> {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < source.length; i++) {
    const y = labelOf(await source.get(i));
    if (!Number.isInteger(y) || y < 0 || y >= numClasses)
      throw new Error(`classBalancedDataset: label ${y} of example ${i} outside [0, ${numClasses})`);
    byClass[y]?.push(i);
  }
  const classes = byClass.map((ids, c) => (ids.length ? c : -1)).filter((c) => c >= 0);
  if (!classes.length) throw new Error('classBalancedDataset: empty source');
  const order = Array.from({ length: size }, () => {
    const ids = byClass[classes[rng.int(classes.length)] as number] as number[];
    return ids[rng.int(ids.length)] as number;
  });
  return {
    name: `${source.name ?? 'dataset'} (class-balanced)`,
    length: size,
    get: (i: number) => {
      const j = order[i];
      if (j === undefined)
        throw new RangeError(`class-balanced dataset: index ${i} out of range [0, ${size})`);
      return source.get(j);
    },
  };
}

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

/** Labels of a dataset mapped to indices. */
export interface IndexedLabels {
  /** The label set: sorted (numbers in numeric order) or the one given. */
  readonly labels: readonly string[];
  /** Index of each value in `labels`, or -1 for values outside a given label set. */
  readonly indices: number[];
  /** Values outside a given label set, with their counts. */
  readonly unseen: ReadonlyMap<string, number>;
}

/** Sorts label names naturally: `2` before `10`, then case-sensitive text order. */
export function sortLabels(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Maps label values to indices. Without `known`, the label set is every value, sorted; with it
 * (eval data, a trained model's labels), indices follow `known` and other values are reported in
 * `unseen`, never added.
 */
export function indexLabels(values: readonly string[], known?: readonly string[]): IndexedLabels {
  const labels = known ? [...known] : sortLabels(values);
  const at = new Map(labels.map((l, i) => [l, i]));
  const unseen = new Map<string, number>();
  const indices = values.map((v) => {
    const i = at.get(v);
    if (i !== undefined) return i;
    unseen.set(v, (unseen.get(v) ?? 0) + 1);
    return -1;
  });
  return { labels, indices, unseen };
}

/** `'x' (3), 'y' (1)` for warnings. */
export function describeUnseen(unseen: ReadonlyMap<string, number>): string {
  return [...unseen].map(([k, n]) => `'${k}' (${n})`).join(', ');
}

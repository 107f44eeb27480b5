/** Labels of a dataset mapped to indices (what a reader returns as `labels` and per-example ids). */
export interface IndexedLabels {
  /** The label set: sorted (numbers in numeric order) or the one given. */
  readonly labels: readonly string[];
  /** Index of each value in `labels`, or -1 for values outside a given label set. */
  readonly indices: number[];
  /** Values outside a given label set, with their counts. */
  readonly unseen: ReadonlyMap<string, number>;
}

/** A label set from values: distinct, sorted naturally (`2` before `10`), then by text. */
export function sortLabels(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Maps label values to indices. Without `known`, the label set is every value, sorted; with it
 * (eval data, a trained model's labels), indices follow `known` and other values are counted in
 * `unseen`, never added, so a reader can report them instead of failing.
 *
 * @example indexLabels(['pos', 'neg', 'pos']) // labels ['neg', 'pos'], indices [1, 0, 1]
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

/**
 * Unseen labels for a warning: `'x' (3), 'y' (1)`, or with a noun `'x' (3 rows), 'y' (1 row)`.
 */
export function describeUnseen(unseen: ReadonlyMap<string, number>, noun?: string): string {
  const count = (n: number) => (noun === undefined ? `${n}` : `${n} ${noun}${n === 1 ? '' : 's'}`);
  return [...unseen].map(([label, n]) => `'${label}' (${count(n)})`).join(', ');
}

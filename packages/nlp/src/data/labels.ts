/** Sorted label set: numbers numerically, then strings, so `2` comes before `10`. */
export function labelSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Label indices against `known` (the saved label set) or a fresh set inferred from `values`. */
export interface IndexedLabels {
  readonly labels: readonly string[];
  /** Index of each value; -1 for labels outside `known`. */
  readonly indices: number[];
  /** Unseen label -> how many times it occurred. */
  readonly unseen: Map<string, number>;
}

/**
 * Maps label strings to indices. With `known` (evaluation: the training label set) the indices
 * follow it and other labels are counted as unseen, never added.
 *
 * @example indexLabels(['pos', 'neg', 'pos'], undefined) // labels ['neg', 'pos'], indices [1, 0, 1]
 */
export function indexLabels(values: readonly string[], known: readonly string[] | undefined): IndexedLabels {
  const labels = known ?? labelSet(values);
  const index = new Map(labels.map((l, i) => [l, i]));
  const unseen = new Map<string, number>();
  const indices = values.map((v) => {
    const i = index.get(v);
    if (i === undefined) unseen.set(v, (unseen.get(v) ?? 0) + 1);
    return i ?? -1;
  });
  return { labels, indices, unseen };
}

/** `'x' (3 examples), 'y' (1 example)` for warnings. */
export function describeUnseen(unseen: ReadonlyMap<string, number>, noun = 'example'): string {
  return [...unseen].map(([l, n]) => `'${l}' (${n} ${noun}${n === 1 ? '' : 's'})`).join(', ');
}

/** A label cell as a string: numbers and booleans are written out, absent values are ''. */
export function labelText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

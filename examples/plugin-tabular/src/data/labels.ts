/** Sorted label set: numbers numerically, then strings, so `2` comes before `10`. */
export function labelSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Label indices for `values` against `known` (the training label set) or a fresh set. Labels
 * outside `known` are dropped and counted, so evaluation can report them instead of crashing.
 */
export function indexLabels(
  values: readonly string[],
  known: readonly string[] | undefined,
): { labels: readonly string[]; indices: number[]; unseen: Map<string, number> } {
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

/** `label 'x' (3 rows)` phrases for a warning. */
export function describeUnseen(unseen: ReadonlyMap<string, number>): string {
  return [...unseen].map(([l, n]) => `'${l}' (${n} row${n === 1 ? '' : 's'})`).join(', ');
}

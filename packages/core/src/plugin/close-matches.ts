/** Levenshtein distance, two-row dynamic programme. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * The candidates that look like a mistyped `name`, best first: small edit distance (relative to
 * length), the same last path segment (`sentiment` for `nlp/sentiment`), or a shared prefix.
 *
 * @example
 * closeMatches('nlp/sentimnt', ['nlp/sentiment', 'vision/classification']); // ['nlp/sentiment']
 */
export function closeMatches(name: string, candidates: readonly string[], limit = 3): string[] {
  const needle = name.toLowerCase();
  const tail = (s: string) => s.slice(s.lastIndexOf('/') + 1);
  const scored: [string, number][] = [];
  for (const c of candidates) {
    const hay = c.toLowerCase();
    const d = Math.min(editDistance(needle, hay), editDistance(tail(needle), tail(hay)) + 1);
    const budget = Math.max(2, Math.floor(Math.max(needle.length, hay.length) / 3));
    const related = hay.includes(needle) || (needle.length >= 3 && hay.startsWith(needle.slice(0, 3)));
    if (d <= budget) scored.push([c, d]);
    else if (related) scored.push([c, budget + 1]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, limit).map(([c]) => c);
}

/** ` (did you mean a or b?)`, or '' when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const close = closeMatches(name, candidates);
  if (close.length === 0) return '';
  const quoted = close.map((c) => `'${c}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return ` (did you mean ${list}?)`;
}

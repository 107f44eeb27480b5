/**
 * Levenshtein distance (insertions, deletions and substitutions, each 1) between two strings or
 * two sequences compared element by element with `===` (words, code points, ids); two-row
 * dynamic programme.
 *
 * @example
 * editDistance('kitten', 'sitting'); // 3
 * editDistance(['the', 'cat'], ['a', 'cat']); // 1
 */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
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
 * The candidates that look like a mistyped `name`, best first: a small edit distance (relative
 * to length) on the whole id or on its last path segment (`sentimnt` for `nlp/sentiment`), or
 * containing `name`. Only the nearest tier is kept, so one clear match is not drowned by others.
 *
 * @example
 * closeMatches('nlp/sentimnt', ['nlp/sentiment', 'nlp/topic']); // ['nlp/sentiment']
 */
export function closeMatches(name: string, candidates: readonly string[], limit = 3): string[] {
  const needle = name.toLowerCase();
  const tail = (s: string) => s.slice(s.lastIndexOf('/') + 1);
  const scored: [string, number][] = [];
  for (const c of candidates) {
    const hay = c.toLowerCase();
    const d = Math.min(editDistance(needle, hay), editDistance(tail(needle), tail(hay)) + 1);
    const budget = Math.max(2, Math.floor(Math.max(needle.length, hay.length) / 3));
    if (d <= budget) scored.push([c, d]);
    else if (needle.length >= 3 && hay.includes(needle)) scored.push([c, budget]);
  }
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map(([, d]) => d));
  return scored
    .filter(([, d]) => d <= best + 1)
    .sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))
    .slice(0, limit)
    .map(([c]) => c);
}

/** ` (did you mean a or b?)`, or '' when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const close = closeMatches(name, candidates);
  if (close.length === 0) return '';
  const quoted = close.map((c) => `'${c}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return ` (did you mean ${list}?)`;
}

/**
 * Python's `str.split()` with no argument: runs of Unicode whitespace (as `str.isspace`), with
 * empty pieces dropped. The reference metrics (sacreBLEU, rouge-score) split this way; JavaScript's
 * `\s` differs on U+001C..U+001F, U+0085 and U+FEFF.
 */
export function pythonSplit(text: string): string[] {
  const out: string[] = [];
  let word = '';
  for (const ch of text) {
    if (isPythonSpace(ch.codePointAt(0) as number)) {
      if (word !== '') out.push(word);
      word = '';
    } else word += ch;
  }
  if (word !== '') out.push(word);
  return out;
}

function isPythonSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Counts of each key. */
export function countAll<T>(items: Iterable<T>): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

/** Sum of `min(a[k], b[k])` over keys (the size of a multiset intersection). */
export function overlap<T>(a: ReadonlyMap<T, number>, b: ReadonlyMap<T, number>): number {
  let n = 0;
  for (const [k, v] of a) n += Math.min(v, b.get(k) ?? 0);
  return n;
}

/** Word n-grams of one order, joined by U+0001 (never inside a token) so they can be map keys. */
export function wordNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const grams: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) grams.push(tokens.slice(i, i + n).join('\u0001'));
  return countAll(grams);
}

import type { Vocab } from './vocab.js';

/** A merge rule: two adjacent symbols that join into one. Rank = position in `merges.txt`. */
export type Merge = readonly [string, string];

/**
 * Parses `merges.txt`: an optional `#version` header, then one `left right` pair per line.
 *
 * @example parseMerges('#version: 0.2\nĠ t\nh e\n') // [['Ġ', 't'], ['h', 'e']]
 */
export function parseMerges(text: string, source = 'merges.txt'): Merge[] {
  const out: Merge[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new Error(`${source}:${i + 1}: expected 'left right', got '${line}'`);
    }
    out.push([parts[0], parts[1]]);
  });
  return out;
}

/** `merges.txt` text with the `#version: 0.2` header GPT-2's file has. */
export function formatMerges(merges: readonly Merge[]): string {
  return `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}`).join('\n')}\n`;
}

/**
 * Byte-pair encoding of one pre-tokenised word: start from its characters and repeatedly join the
 * adjacent pair with the lowest merge rank (every occurrence, left to right) until no pair has a
 * rank. Results are cached per word, as GPT-2's encoder does.
 *
 * @example new Bpe(vocab, merges).split('Ġlower'); // ['Ġlow', 'er']
 */
export class Bpe {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();
  /** Cache entries kept before the cache is cleared (bounded memory on open-ended text). */
  private readonly cacheLimit: number;

  constructor(
    readonly vocab: Vocab,
    readonly merges: readonly Merge[],
    options: { cacheLimit?: number } = {},
  ) {
    merges.forEach(([a, b], i) => {
      const key = `${a} ${b}`;
      if (!this.ranks.has(key)) this.ranks.set(key, i);
    });
    this.cacheLimit = options.cacheLimit ?? 100_000;
  }

  /** The symbols `word` merges into (tokens, not yet checked against the vocabulary). */
  split(word: string): string[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let symbols = Array.from(word);
    while (symbols.length > 1) {
      let best = Number.POSITIVE_INFINITY;
      let left = '';
      let right = '';
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < best) {
          best = rank;
          left = symbols[i] as string;
          right = symbols[i + 1] as string;
        }
      }
      if (best === Number.POSITIVE_INFINITY) break;
      const next: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === left && symbols[i + 1] === right) {
          next.push(left + right);
          i += 1;
        } else next.push(symbols[i] as string);
      }
      symbols = next;
    }
    if (this.cache.size >= this.cacheLimit) this.cache.clear();
    this.cache.set(word, symbols);
    return symbols;
  }
}

import {
  type BertNormalizerOptions,
  normalizeBert,
  resolveBertNormalizer,
  splitBertWords,
} from './basic-tokenizer.js';
import { BERT_SPECIAL_TOKENS, type SpecialTokens } from './special-tokens.js';
import { Vocab } from './vocab.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

export interface WordPieceTrainerOptions {
  /** Target vocabulary size, special tokens and alphabet included. */
  vocabSize: number;
  /** Pairs seen fewer times are never merged (default 2). */
  minFrequency?: number;
  /** Keep only the most frequent characters of the alphabet (default: all). */
  limitAlphabet?: number;
  special?: SpecialTokens;
  normalizer?: BertNormalizerOptions;
  continuingSubwordPrefix?: string;
}

/** A max-heap of (count, pair) with lazy deletion: stale entries are skipped on pop. */
class PairHeap {
  private readonly items: [number, string][] = [];

  push(count: number, key: string): void {
    const a = this.items;
    a.push([count, key]);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i] as [number, string], a[p] as [number, string])) break;
      [a[i], a[p]] = [a[p] as [number, string], a[i] as [number, string]];
      i = p;
    }
  }

  pop(): [number, string] | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l] as [number, string], a[m] as [number, string])) m = l;
        if (r < a.length && this.before(a[r] as [number, string], a[m] as [number, string])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as [number, string], a[i] as [number, string]];
        i = m;
      }
    }
    return top;
  }

  /** Higher count first; ties by pair text, so training is deterministic. */
  private before(x: [number, string], y: [number, string]): boolean {
    return x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
  }
}

const SEP = '\u0000';

/**
 * Learns a WordPiece vocabulary from a corpus, the way HF's `WordPieceTrainer` does: words are
 * normalised and split as BERT does, spelled as characters (`h ##e ##l ##l ##o`), and the most
 * frequent adjacent pair is merged repeatedly (BPE-style) until the vocabulary is full. The
 * result is the special tokens, the alphabet (with `##` forms), then the merged pieces.
 *
 * @example
 * const tok = trainWordPiece(['the cat sat', 'the dog sat'], { vocabSize: 100 });
 */
export function trainWordPiece(
  corpus: Iterable<string>,
  options: WordPieceTrainerOptions,
): WordPieceTokenizer {
  const special = options.special ?? BERT_SPECIAL_TOKENS;
  const prefix = options.continuingSubwordPrefix ?? '##';
  const minFrequency = options.minFrequency ?? 2;
  const normalizer = resolveBertNormalizer(options.normalizer);
  const specials = [...new Set(Object.values(special).filter((t): t is string => t !== undefined))];

  const wordCounts = new Map<string, number>();
  for (const text of corpus) {
    for (const w of splitBertWords(normalizeBert(text, normalizer)))
      wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  }
  const charCounts = new Map<string, number>();
  for (const [w, n] of wordCounts) for (const ch of w) charCounts.set(ch, (charCounts.get(ch) ?? 0) + n);
  let alphabet = [...charCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (options.limitAlphabet !== undefined) alphabet = alphabet.slice(0, options.limitAlphabet);
  const allowed = new Set(alphabet.map(([c]) => c));

  // Words as symbol lists; words with characters outside the alphabet are dropped.
  const words: { symbols: string[]; count: number }[] = [];
  const symbolSet = new Set<string>();
  for (const [w, count] of wordCounts) {
    const chars = Array.from(w);
    if (!chars.every((c) => allowed.has(c))) continue;
    const symbols = chars.map((c, i) => (i === 0 ? c : prefix + c));
    for (const s of symbols) symbolSet.add(s);
    words.push({ symbols, count });
  }
  const initial = [...symbolSet].sort();
  const tokens = [...specials, ...initial.filter((t) => !specials.includes(t))];
  const known = new Set(tokens);
  if (tokens.length > options.vocabSize) {
    throw new Error(
      `trainWordPiece: vocabSize ${options.vocabSize} is smaller than the special tokens and alphabet (${tokens.length}); raise it or set limitAlphabet`,
    );
  }

  const pairCounts = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const addPairs = (wi: number, sign: 1 | -1) => {
    const { symbols, count } = words[wi] as { symbols: string[]; count: number };
    for (let i = 0; i < symbols.length - 1; i++) {
      const key = `${symbols[i]}${SEP}${symbols[i + 1]}`;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * count);
      if (sign > 0) {
        const set = pairWords.get(key) ?? new Set<number>();
        pairWords.set(key, set);
        set.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);
  const heap = new PairHeap();
  for (const [key, n] of pairCounts) heap.push(n, key);

  while (tokens.length < options.vocabSize) {
    const top = heap.pop();
    if (!top) break;
    const [count, key] = top;
    if (pairCounts.get(key) !== count) continue; // stale entry
    if (count < minFrequency) break;
    const [left, right] = key.split(SEP) as [string, string];
    const merged = left + (right.startsWith(prefix) ? right.slice(prefix.length) : right);
    const touched = new Set<string>();
    for (const wi of pairWords.get(key) ?? []) {
      const w = words[wi] as { symbols: string[]; count: number };
      for (let i = 0; i < w.symbols.length - 1; i++) touched.add(`${w.symbols[i]}${SEP}${w.symbols[i + 1]}`);
      addPairs(wi, -1);
      const next: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i < w.symbols.length - 1 && w.symbols[i] === left && w.symbols[i + 1] === right) {
          next.push(merged);
          i += 1;
        } else next.push(w.symbols[i] as string);
      }
      w.symbols = next;
      addPairs(wi, 1);
      for (let i = 0; i < next.length - 1; i++) touched.add(`${next[i]}${SEP}${next[i + 1]}`);
    }
    pairCounts.delete(key);
    pairWords.delete(key);
    touched.delete(key);
    for (const t of touched) {
      const n = pairCounts.get(t) ?? 0;
      if (n > 0) heap.push(n, t);
    }
    if (!known.has(merged)) {
      known.add(merged);
      tokens.push(merged);
    }
  }
  return new WordPieceTokenizer(Vocab.fromLines(tokens), {
    special,
    normalizer,
    continuingSubwordPrefix: prefix,
  });
}

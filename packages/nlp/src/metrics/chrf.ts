import { countAll, overlap, pythonSplit, wordNgrams } from './python-split.js';

export interface ChrfOptions {
  /** Character n-gram order (default 6). */
  charOrder?: number;
  /** Word n-gram order: 0 for chrF (default), 2 for chrF++. */
  wordOrder?: number;
  /** Recall weight (default 2: chrF2). */
  beta?: number;
  lowercase?: boolean;
}

/** sacreBLEU's punctuation set for chrF++ word n-grams. */
const PUNCTUATION = new Set(Array.from('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'));

/** chrF++ words: a word's leading or trailing punctuation mark becomes a word of its own. */
function chrfWords(sentence: string): string[] {
  const out: string[] = [];
  for (const w of pythonSplit(sentence)) {
    const chars = Array.from(w);
    if (chars.length === 1) out.push(w);
    else if (PUNCTUATION.has(chars.at(-1) as string))
      out.push(chars.slice(0, -1).join(''), chars.at(-1) as string);
    else if (PUNCTUATION.has(chars[0] as string)) out.push(chars[0] as string, chars.slice(1).join(''));
    else out.push(w);
  }
  return out;
}

/** Character n-gram counts (whitespace removed) for n = 1..order. */
function charNgrams(sentence: string, order: number): Map<string, number>[] {
  const chars = Array.from(pythonSplit(sentence).join(''));
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= order; n++) {
    const grams: string[] = [];
    for (let i = 0; i + n <= chars.length; i++) grams.push(chars.slice(i, i + n).join(''));
    out.push(countAll(grams));
  }
  return out;
}

/** [hyp, ref, match] counts per order, flattened. */
type Stats = number[];

function fScore(stats: Stats, beta: number): number {
  const factor = beta ** 2;
  let precision = 0;
  let recall = 0;
  let effective = 0;
  for (let i = 0; i < stats.length; i += 3) {
    const [h, r, m] = [stats[i] as number, stats[i + 1] as number, stats[i + 2] as number];
    if (h > 0 && r > 0) {
      precision += m / h;
      recall += m / r;
      effective += 1;
    }
  }
  if (effective === 0) return 0;
  precision /= effective;
  recall /= effective;
  if (precision + recall === 0) return 0;
  return (100 * (1 + factor) * precision * recall) / (factor * precision + recall);
}

/**
 * Corpus chrF as sacreBLEU 2.x computes it with its defaults (chrF2: character 6-grams without
 * whitespace, beta 2, case kept); `wordOrder: 2` gives chrF++. Per segment the statistics of the
 * best-scoring reference are kept; the corpus score averages precision and recall over the
 * n-gram orders present in the summed statistics, then combines them into F-beta (0..100).
 *
 * @example corpusChrf(['the cat sat'], [['the cat sat down']])
 */
export function corpusChrf(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: ChrfOptions = {},
): number {
  if (hypotheses.length !== references.length) {
    throw new Error(`chrf: ${hypotheses.length} hypotheses for ${references.length} reference lists`);
  }
  const charOrder = options.charOrder ?? 6;
  const wordOrder = options.wordOrder ?? 0;
  const beta = options.beta ?? 2;
  const grams = (s: string) => {
    const t = options.lowercase ? s.toLowerCase() : s;
    const out = charNgrams(t, charOrder);
    if (wordOrder > 0) {
      const words = chrfWords(t);
      for (let n = 1; n <= wordOrder; n++) out.push(wordNgrams(words, n));
    }
    return out;
  };
  const sum: Stats = new Array<number>(3 * (charOrder + wordOrder)).fill(0);
  hypotheses.forEach((hyp, i) => {
    const refs = references[i] as readonly string[];
    if (refs.length === 0) throw new Error(`chrf: segment ${i} has no reference`);
    const h = grams(hyp);
    let best: Stats = [];
    let bestF = -1;
    for (const ref of refs) {
      const r = grams(ref);
      const stats = h.flatMap((hg, k) => {
        const rg = r[k] as Map<string, number>;
        const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
        return [total(hg), total(rg), overlap(hg, rg)];
      });
      const f = fScore(stats, beta);
      if (f > bestF) {
        bestF = f;
        best = stats;
      }
    }
    best.forEach((v, k) => {
      sum[k] = (sum[k] as number) + v;
    });
  });
  return fScore(sum, beta);
}

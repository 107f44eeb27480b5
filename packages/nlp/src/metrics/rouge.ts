import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { overlap, wordNgrams } from './python-split.js';

/** Precision, recall and F1 of one ROUGE variant (0..1). */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export interface RougeOptions {
  /** Porter-stem tokens longer than 3 characters (rouge-score `use_stemmer`; default false). */
  stem?: boolean;
}

/**
 * rouge-score's default tokeniser: lower-case, every run of characters outside `[a-z0-9]` becomes
 * a space (so accented and non-Latin letters are dropped), split, and with `stem` Porter-stem the
 * tokens longer than 3 characters (here with `natural`'s Porter stemmer; rouge-score uses NLTK's).
 *
 * @example rougeTokenize("It's 5 o'clock!") // ['it', 's', '5', 'o', 'clock']
 */
export function rougeTokenize(text: string, options: RougeOptions = {}): string[] {
  const tokens = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((t) => t !== '');
  return options.stem ? tokens.map((t) => (t.length > 3 ? PorterStemmer.stem(t) : t)) : tokens;
}

function score(matches: number, predicted: number, target: number): RougeScore {
  const precision = predicted > 0 ? matches / predicted : 0;
  const recall = target > 0 ? matches / target : 0;
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fmeasure };
}

/** ROUGE-N of token lists: clipped n-gram overlap over the prediction's / target's n-grams. */
export function rougeN(target: readonly string[], prediction: readonly string[], n: number): RougeScore {
  const t = wordNgrams(target, n);
  const p = wordNgrams(prediction, n);
  const size = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return score(overlap(t, p), size(p), size(t));
}

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      row[j] =
        a[i - 1] === b[j - 1]
          ? (prev[j - 1] as number) + 1
          : Math.max(prev[j] as number, row[j - 1] as number);
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** ROUGE-L (sentence level): longest common subsequence over the prediction / target lengths. */
export function rougeL(target: readonly string[], prediction: readonly string[]): RougeScore {
  return score(lcsLength(target, prediction), prediction.length, target.length);
}

/** ROUGE-1, ROUGE-2 and ROUGE-L of one prediction against one target, as rouge-score's `score`. */
export function rougeScores(
  target: string,
  prediction: string,
  options: RougeOptions = {},
): { rouge1: RougeScore; rouge2: RougeScore; rougeL: RougeScore } {
  const t = rougeTokenize(target, options);
  const p = rougeTokenize(prediction, options);
  return { rouge1: rougeN(t, p, 1), rouge2: rougeN(t, p, 2), rougeL: rougeL(t, p) };
}

/**
 * Corpus ROUGE: the mean F-measure over segments of ROUGE-1/2/L (with several references, the
 * best F per segment, as rouge-score's `score_multi`). rouge-score's bootstrap aggregator reports
 * the mean as its mid value; the bootstrap interval is not computed here.
 */
export function corpusRouge(
  predictions: readonly string[],
  references: readonly (readonly string[])[],
  options: RougeOptions = {},
): { rouge1: number; rouge2: number; rougeL: number } {
  if (predictions.length !== references.length) {
    throw new Error(`rouge: ${predictions.length} predictions for ${references.length} reference lists`);
  }
  const sums = { rouge1: 0, rouge2: 0, rougeL: 0 };
  predictions.forEach((pred, i) => {
    const refs = references[i] as readonly string[];
    if (refs.length === 0) throw new Error(`rouge: segment ${i} has no reference`);
    const all = refs.map((r) => rougeScores(r, pred, options));
    for (const k of ['rouge1', 'rouge2', 'rougeL'] as const)
      sums[k] += Math.max(...all.map((s) => s[k].fmeasure));
  });
  const n = Math.max(1, predictions.length);
  return { rouge1: sums.rouge1 / n, rouge2: sums.rouge2 / n, rougeL: sums.rougeL / n };
}

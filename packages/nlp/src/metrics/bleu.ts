import { overlap, pythonSplit, wordNgrams } from './python-split.js';
import { tokenize13a } from './tokenize-13a.js';

/** Corpus BLEU with its parts, as sacreBLEU reports them (score and precisions in 0..100). */
export interface BleuResult {
  score: number;
  /** Modified n-gram precisions (smoothed), n = 1..4. */
  precisions: number[];
  brevityPenalty: number;
  /** Hypothesis length / reference length, in tokens. */
  ratio: number;
  hypLength: number;
  refLength: number;
}

export interface BleuOptions {
  /** Tokeniser: sacreBLEU's `13a` (default) or `none` (split on whitespace only). */
  tokenize?: '13a' | 'none';
  lowercase?: boolean;
  maxOrder?: number;
}

/** The reference length closest to `hypLen` (the shorter one on ties), as sacreBLEU picks it. */
function closestLength(hypLen: number, refLens: readonly number[]): number {
  let best = -1;
  let bestDiff = -1;
  for (const r of refLens) {
    const d = Math.abs(hypLen - r);
    if (bestDiff === -1 || d < bestDiff || (d === bestDiff && r < best)) {
      bestDiff = d;
      best = r;
    }
  }
  return best;
}

/**
 * Corpus-level BLEU as sacreBLEU 2.x computes it with its defaults: `13a` tokenisation, case
 * kept, n-grams up to 4 with counts clipped by the most generous reference, `exp` smoothing (a
 * precision with no match becomes 1 / (2^k * total) for the k-th such order), brevity penalty
 * against the closest reference length, score 0 when nothing matches.
 *
 * @param hypotheses one system output per segment
 * @param references one or more references per segment (`references[i]` for `hypotheses[i]`)
 * @example corpusBleu(['the cat sat'], [['the cat sat down']]).score
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = {},
): BleuResult {
  if (hypotheses.length !== references.length) {
    throw new Error(`bleu: ${hypotheses.length} hypotheses for ${references.length} reference lists`);
  }
  const order = options.maxOrder ?? 4;
  const prep = (s: string) => {
    const t = options.lowercase ? s.toLowerCase() : s;
    return pythonSplit(options.tokenize === 'none' ? t : tokenize13a(t));
  };
  const correct = new Array<number>(order).fill(0);
  const total = new Array<number>(order).fill(0);
  let hypLength = 0;
  let refLength = 0;
  hypotheses.forEach((hyp, i) => {
    const refs = references[i] as readonly string[];
    if (refs.length === 0) throw new Error(`bleu: segment ${i} has no reference`);
    const h = prep(hyp);
    const rs = refs.map(prep);
    hypLength += h.length;
    refLength += closestLength(
      h.length,
      rs.map((r) => r.length),
    );
    for (let n = 1; n <= order; n++) {
      const hg = wordNgrams(h, n);
      const maxRef = new Map<string, number>();
      for (const r of rs)
        for (const [g, c] of wordNgrams(r, n)) maxRef.set(g, Math.max(c, maxRef.get(g) ?? 0));
      correct[n - 1] = (correct[n - 1] as number) + overlap(hg, maxRef);
      total[n - 1] = (total[n - 1] as number) + Math.max(0, h.length - n + 1);
    }
  });
  const bp = hypLength >= refLength ? 1 : hypLength > 0 ? Math.exp(1 - refLength / hypLength) : 0;
  const precisions = new Array<number>(order).fill(0);
  const base = { brevityPenalty: bp, ratio: refLength ? hypLength / refLength : 0, hypLength, refLength };
  if (!correct.some((c) => c > 0)) return { score: 0, precisions, ...base };
  let smooth = 1;
  for (let n = 0; n < order; n++) {
    const t = total[n] as number;
    if (t === 0) break;
    const c = correct[n] as number;
    if (c === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * t);
    } else precisions[n] = (100 * c) / t;
  }
  const logs = precisions.map((p) => (p > 0 ? Math.log(p) : Number.NEGATIVE_INFINITY));
  const score = bp * Math.exp(logs.reduce((s, v) => s + v, 0) / order);
  return { score, precisions, ...base };
}

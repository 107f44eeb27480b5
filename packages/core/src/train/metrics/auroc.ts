import { checkBinaryLabels, checkFinite, checkPaired, type Numbers } from './inputs.js';

/**
 * 1-based ranks of `values` in ascending order; tied values share the average of the ranks they
 * span (e.g. two values tied for ranks 2 and 3 both get 2.5).
 */
export function averageRanks(values: Numbers): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = rank;
    i = j + 1;
  }
  return ranks;
}

/**
 * Area under the ROC curve for binary labels (0/1), via the Mann-Whitney U statistic: the
 * probability that a random positive scores higher than a random negative, ties counting 1/2.
 * `AUC = (sum of positive ranks - P(P+1)/2) / (P * N)` with average ranks for ties, which equals
 * the trapezoidal ROC area. Returns NaN when labels hold only one class (the AUC is undefined; a
 * metric log shows NaN instead of the run crashing mid-evaluation).
 *
 * @example
 * ```ts
 * auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75: 3 of the 4 positive/negative pairs are ordered right
 * ```
 */
export function auroc(scores: Numbers, labels: Numbers): number {
  const caller = 'auroc';
  checkPaired(scores, 'scores', labels, 'labels', caller);
  checkFinite(scores, 'scores', caller);
  const { positives, negatives } = checkBinaryLabels(labels, caller);
  if (positives === 0 || negatives === 0) return Number.NaN;
  const ranks = averageRanks(scores);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) sum += ranks[i]!;
  return (sum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface OneVsRestAuroc {
  /** Mean AUROC over evaluated classes (NaN if none could be evaluated). */
  macro: number;
  /** AUROC per class id; NaN for skipped classes. */
  perClass: number[];
  /** Classes skipped because they have no positive (absent from labels) or no negative. */
  skipped: number[];
}

/**
 * Macro one-vs-rest AUROC for `probs` `[N][C]` (any scores per class) and class ids `labels`.
 * Classes with no positive or no negative example are skipped and listed in `skipped` rather
 * than failing, since small validation sets often miss a rare class.
 *
 * @example
 * ```ts
 * aurocOneVsRest([[0.8, 0.2], [0.3, 0.7]], [0, 1]); // { macro: 1, perClass: [1, 1], skipped: [] }
 * ```
 */
export function aurocOneVsRest(probs: readonly Numbers[], labels: Numbers): OneVsRestAuroc {
  const caller = 'aurocOneVsRest';
  checkPaired(probs, 'probs', labels, 'labels', caller);
  const C = probs[0]!.length;
  probs.forEach((row, i) => {
    if (row.length !== C) throw new Error(`${caller}: row ${i} has ${row.length} scores, row 0 has ${C}`);
  });
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= C) throw new Error(`${caller}: label ${y} outside [0, ${C})`);
  }
  const perClass: number[] = [];
  const skipped: number[] = [];
  for (let c = 0; c < C; c++) {
    const binary = Array.from(labels, (y) => (y === c ? 1 : 0));
    const value = auroc(
      probs.map((row) => row[c]!),
      binary,
    );
    perClass.push(value);
    if (Number.isNaN(value)) skipped.push(c);
  }
  const evaluated = perClass.filter((v) => !Number.isNaN(v));
  const macro = evaluated.length ? evaluated.reduce((a, b) => a + b, 0) / evaluated.length : Number.NaN;
  return { macro, perClass, skipped };
}

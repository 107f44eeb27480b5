import { checkPaired, type Numbers } from './inputs.js';

export type Average = 'macro' | 'micro' | 'binary';

export interface PrecisionRecallF1Options {
  /** default 'macro' */
  average?: Average;
  /** The positive class for `binary` (default 1). */
  positiveLabel?: number;
  /**
   * Classes to average over for `macro`. Default: every class that appears in `preds` or
   * `labels` (scikit-learn's rule), so a class absent from both does not drag the mean down.
   */
  labels?: readonly number[];
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassScores extends PrecisionRecallF1 {
  label: number;
  /** Number of examples whose true label is this class. */
  support: number;
}

// 0 instead of NaN when a denominator is 0 (scikit-learn's zero_division=0).
const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

function scores(tp: number, fp: number, fn: number): PrecisionRecallF1 {
  return { precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn) };
}

/**
 * Per-class precision, recall and F1 (one-vs-rest counts), with 0 wherever a denominator is 0:
 * a class that is never predicted has precision 0 and F1 0, never NaN.
 */
export function perClassPrecisionRecallF1(
  preds: Numbers,
  labels: Numbers,
  classes?: readonly number[],
): ClassScores[] {
  checkPaired(preds, 'preds', labels, 'labels', 'perClassPrecisionRecallF1');
  const ids = classes ?? [...new Set([...Array.from(preds), ...Array.from(labels)])].sort((a, b) => a - b);
  const counts = new Map(ids.map((c) => [c, { tp: 0, fp: 0, fn: 0 }]));
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i]!;
    const y = labels[i]!;
    if (p === y) {
      const c = counts.get(y);
      if (c) c.tp++;
    } else {
      const cp = counts.get(p);
      if (cp) cp.fp++;
      const cy = counts.get(y);
      if (cy) cy.fn++;
    }
  }
  return ids.map((label) => {
    const { tp, fp, fn } = counts.get(label)!;
    return { label, support: tp + fn, ...scores(tp, fp, fn) };
  });
}

/**
 * Precision, recall and F1 for single-label classification.
 *
 * - `binary`: of `positiveLabel` against every other class.
 * - `macro`: unweighted mean over classes of each class's precision, recall and F1 (so macro F1 is
 *   the mean of per-class F1s, not the F1 of macro precision and recall).
 * - `micro`: from counts pooled over classes; for single-label data all three equal accuracy.
 *
 * @example
 * ```ts
 * precisionRecallF1([1, 0, 1, 1], [1, 0, 0, 1], { average: 'binary' });
 * // tp=2 fp=1 fn=0 -> { precision: 2/3, recall: 1, f1: 0.8 }
 * ```
 */
export function precisionRecallF1(
  preds: Numbers,
  labels: Numbers,
  options: PrecisionRecallF1Options = {},
): PrecisionRecallF1 {
  const average = options.average ?? 'macro';
  checkPaired(preds, 'preds', labels, 'labels', 'precisionRecallF1');
  if (average === 'binary') {
    const pos = options.positiveLabel ?? 1;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < preds.length; i++) {
      const p = preds[i] === pos;
      const y = labels[i] === pos;
      if (p && y) tp++;
      else if (p) fp++;
      else if (y) fn++;
    }
    return scores(tp, fp, fn);
  }
  const perClass = perClassPrecisionRecallF1(preds, labels, options.labels);
  if (average === 'micro') {
    const inSet = new Set(perClass.map((c) => c.label));
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < preds.length; i++) {
      const p = preds[i]!;
      const y = labels[i]!;
      if (p === y) {
        if (inSet.has(y)) tp++;
      } else {
        if (inSet.has(p)) fp++;
        if (inSet.has(y)) fn++;
      }
    }
    return scores(tp, fp, fn);
  }
  if (average !== 'macro') throw new Error(`precisionRecallF1: unknown average '${average}'`);
  const mean = (k: keyof PrecisionRecallF1): number =>
    perClass.length === 0 ? 0 : perClass.reduce((s, c) => s + c[k], 0) / perClass.length;
  return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
}

/** Macro-averaged F1 (mean of per-class F1s). */
export function macroF1(preds: Numbers, labels: Numbers, classes?: readonly number[]): number {
  return precisionRecallF1(preds, labels, { average: 'macro', ...(classes ? { labels: classes } : {}) }).f1;
}

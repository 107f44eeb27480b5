import { auroc } from './auroc.js';
import { checkFinite, type Numbers } from './inputs.js';

/**
 * Checks multi-label inputs: `scores` and `targets` both `[N][K]` with the same N and K, targets
 * 0/1, scores finite. Returns K.
 */
export function checkMultilabel(
  scores: readonly Numbers[],
  targets: readonly Numbers[],
  caller: string,
): number {
  if (scores.length !== targets.length) {
    throw new Error(`${caller}: ${scores.length} score rows for ${targets.length} target rows`);
  }
  if (scores.length === 0) throw new Error(`${caller}: no examples`);
  const k = targets[0]!.length;
  if (k === 0) throw new Error(`${caller}: target rows are empty (no labels)`);
  for (let i = 0; i < targets.length; i++) {
    const s = scores[i]!;
    const t = targets[i]!;
    if (t.length !== k) throw new Error(`${caller}: target row ${i} has ${t.length} labels, row 0 has ${k}`);
    if (s.length !== k) throw new Error(`${caller}: score row ${i} has ${s.length} columns for ${k} labels`);
    checkFinite(s, `scores[${i}]`, caller);
    for (let j = 0; j < k; j++) {
      const y = t[j]!;
      if (y !== 0 && y !== 1) throw new Error(`${caller}: targets must be 0 or 1, got ${y} at [${i}][${j}]`);
    }
  }
  return k;
}

/** One threshold per label from a shared value or a per-label list (which must have K entries). */
export function thresholdsFor(thresholds: number | Numbers, k: number, caller: string): number[] {
  if (typeof thresholds === 'number') return Array.from({ length: k }, () => thresholds);
  if (thresholds.length !== k) {
    throw new Error(`${caller}: ${thresholds.length} thresholds for ${k} labels`);
  }
  return Array.from(thresholds);
}

export interface MultilabelAuroc {
  /** Mean AUROC over labels with both a positive and a negative example (NaN if none has). */
  macro: number;
  /** AUROC of every (example, label) score against its target, pooled. */
  micro: number;
  /** AUROC per label; NaN for skipped labels. */
  perClass: number[];
  /** Labels skipped because every example has the same value for them. */
  skipped: number[];
}

/**
 * Multi-label AUROC: per label (column) the binary AUROC, macro-averaged over the labels that
 * have both values in `targets` (the others are listed in `skipped`, as a small validation set
 * often lacks a rare finding), plus the pooled micro AUROC. Ties count 1/2 (see `auroc`).
 *
 * @example
 * multilabelAuroc([[0.5, 0.7], [0.1, 0.6]], [[1, 0], [0, 0]]); // macro 1 (label 1 skipped), micro 1/3
 */
export function multilabelAuroc(scores: readonly Numbers[], targets: readonly Numbers[]): MultilabelAuroc {
  const k = checkMultilabel(scores, targets, 'multilabelAuroc');
  const perClass: number[] = [];
  const skipped: number[] = [];
  for (let j = 0; j < k; j++) {
    const value = auroc(
      scores.map((r) => r[j]!),
      targets.map((r) => r[j]!),
    );
    perClass.push(value);
    if (Number.isNaN(value)) skipped.push(j);
  }
  const evaluated = perClass.filter((v) => !Number.isNaN(v));
  const macro = evaluated.length ? evaluated.reduce((a, b) => a + b, 0) / evaluated.length : Number.NaN;
  const micro = auroc(
    scores.flatMap((r) => Array.from(r)),
    targets.flatMap((r) => Array.from(r)),
  );
  return { macro, micro, perClass, skipped };
}

/** Checks the inputs and decides `score >= threshold` per label: K and the 0/1 decision rows. */
function decide(
  scores: readonly Numbers[],
  targets: readonly Numbers[],
  thresholds: number | Numbers,
  caller: string,
): { k: number; predicted: number[][] } {
  const k = checkMultilabel(scores, targets, caller);
  const t = thresholdsFor(thresholds, k, caller);
  return { k, predicted: scores.map((row) => t.map((th, j) => (row[j]! >= th ? 1 : 0))) };
}

/**
 * Macro F1 over labels, each label decided by `score >= threshold` (one threshold, or one per
 * label). Per label `F1 = 2TP / (2TP + FP + FN)`, 0 when the denominator is 0 (a label never
 * present and never predicted scores 0, as scikit-learn's `zero_division=0`); the mean runs over
 * all K labels.
 *
 * @example
 * multilabelF1([[0.9, 0.2], [0.1, 0.6]], [[1, 0], [0, 1]], 0.5); // 1
 */
export function multilabelF1(
  scores: readonly Numbers[],
  targets: readonly Numbers[],
  thresholds: number | Numbers = 0.5,
): { macro: number; perClass: number[] } {
  const { k, predicted } = decide(scores, targets, thresholds, 'multilabelF1');
  const perClass = Array.from({ length: k }, (_, j) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < predicted.length; i++) {
      const p = predicted[i]![j]!;
      const y = targets[i]![j]!;
      if (p === 1 && y === 1) tp++;
      else if (p === 1) fp++;
      else if (y === 1) fn++;
    }
    const den = 2 * tp + fp + fn;
    return den === 0 ? 0 : (2 * tp) / den;
  });
  return { macro: perClass.reduce((a, b) => a + b, 0) / k, perClass };
}

/**
 * Share of (example, label) decisions that are wrong at the thresholds (scikit-learn's
 * `hamming_loss`).
 *
 * @example
 * hammingLoss([[0.9, 0.2], [0.1, 0.6]], [[1, 1], [0, 1]]); // 0.25
 */
export function hammingLoss(
  scores: readonly Numbers[],
  targets: readonly Numbers[],
  thresholds: number | Numbers = 0.5,
): number {
  const { k, predicted } = decide(scores, targets, thresholds, 'hammingLoss');
  let wrong = 0;
  predicted.forEach((row, i) => {
    row.forEach((p, j) => {
      if (p !== targets[i]![j]) wrong++;
    });
  });
  return wrong / (predicted.length * k);
}

/**
 * Share of examples whose every label is decided right at the thresholds (exact match;
 * scikit-learn's `accuracy_score` on multi-label rows).
 *
 * @example
 * subsetAccuracy([[0.9, 0.2], [0.1, 0.6]], [[1, 1], [0, 1]]); // 0.5
 */
export function subsetAccuracy(
  scores: readonly Numbers[],
  targets: readonly Numbers[],
  thresholds: number | Numbers = 0.5,
): number {
  const { predicted } = decide(scores, targets, thresholds, 'subsetAccuracy');
  const exact = predicted.filter((row, i) => row.every((p, j) => p === targets[i]![j])).length;
  return exact / predicted.length;
}

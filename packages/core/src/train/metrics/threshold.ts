import { checkBinaryLabels, checkFinite, checkPaired, type Numbers } from './inputs.js';

export interface SensitivitySpecificity {
  /** TP / (TP + FN), the true-positive rate; NaN without positives. */
  sensitivity: number;
  /** TN / (TN + FP), the true-negative rate; NaN without negatives. */
  specificity: number;
}

/**
 * Sensitivity and specificity of the rule "positive if `score >= threshold`" for 0/1 labels.
 *
 * @example
 * ```ts
 * sensitivitySpecificity([0.2, 0.6, 0.7, 0.9], [0, 0, 1, 1], 0.65); // { sensitivity: 1, specificity: 1 }
 * ```
 */
export function sensitivitySpecificity(
  scores: Numbers,
  labels: Numbers,
  threshold: number,
): SensitivitySpecificity {
  const caller = 'sensitivitySpecificity';
  checkPaired(scores, 'scores', labels, 'labels', caller);
  const { positives, negatives } = checkBinaryLabels(labels, caller);
  let tp = 0;
  let tn = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i]! >= threshold;
    if (p && labels[i] === 1) tp++;
    else if (!p && labels[i] === 0) tn++;
  }
  return {
    sensitivity: positives ? tp / positives : Number.NaN,
    specificity: negatives ? tn / negatives : Number.NaN,
  };
}

export interface BestThreshold extends SensitivitySpecificity {
  threshold: number;
  /** Youden's J = sensitivity + specificity - 1 at `threshold`. */
  j: number;
}

/**
 * The threshold maximising Youden's J (`sensitivity + specificity - 1`) over the candidate
 * thresholds "every distinct score" (rule: positive if `score >= threshold`). Ties go to the
 * highest threshold (the first met when sweeping down, as scikit-learn's `roc_curve` order).
 * Throws when labels hold one class only: there is no trade-off to optimise.
 *
 * @example
 * ```ts
 * bestThreshold([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // threshold 0.8 (J 0.5; 0.35 ties, lower)
 * ```
 */
export function bestThreshold(scores: Numbers, labels: Numbers, by: 'youden' = 'youden'): BestThreshold {
  const caller = 'bestThreshold';
  if (by !== 'youden') throw new Error(`${caller}: unknown criterion '${by}' (valid: youden)`);
  checkPaired(scores, 'scores', labels, 'labels', caller);
  checkFinite(scores, 'scores', caller);
  const { positives, negatives } = checkBinaryLabels(labels, caller);
  if (positives === 0 || negatives === 0) {
    throw new Error(`${caller}: labels contain only ${positives ? 'positives' : 'negatives'}`);
  }
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0;
  let fp = 0;
  let best: BestThreshold | undefined;
  for (let i = 0; i < order.length; i++) {
    const idx = order[i]!;
    if (labels[idx] === 1) tp++;
    else fp++;
    // Only evaluate once all examples tied at this score are counted as positive.
    const next = order[i + 1];
    if (next !== undefined && scores[next] === scores[idx]) continue;
    const sensitivity = tp / positives;
    const specificity = 1 - fp / negatives;
    const j = sensitivity + specificity - 1;
    if (!best || j > best.j) best = { threshold: scores[idx]!, sensitivity, specificity, j };
  }
  return best!;
}

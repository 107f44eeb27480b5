import { checkPaired, type Numbers } from './inputs.js';

/**
 * Fraction of predictions equal to their label.
 *
 * @example
 * ```ts
 * accuracy([0, 1, 2, 1], [0, 1, 1, 1]); // 0.75
 * ```
 */
export function accuracy(preds: Numbers, labels: Numbers): number {
  checkPaired(preds, 'preds', labels, 'labels', 'accuracy');
  let right = 0;
  for (let i = 0; i < preds.length; i++) if (preds[i] === labels[i]) right++;
  return right / preds.length;
}

import { checkPaired, type Numbers } from './inputs.js';

/**
 * Counts `m[label][pred]`: rows are true classes, columns predicted ones (scikit-learn's
 * orientation). Classes are `0..numClasses-1`; `numClasses` defaults to the largest id seen + 1.
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 0, 1]); // [[1, 1], [0, 1]]
 * ```
 */
export function confusionMatrix(preds: Numbers, labels: Numbers, numClasses?: number): number[][] {
  const caller = 'confusionMatrix';
  checkPaired(preds, 'preds', labels, 'labels', caller);
  let maxId = -1;
  for (let i = 0; i < preds.length; i++) {
    for (const v of [preds[i]!, labels[i]!]) {
      if (!Number.isInteger(v) || v < 0)
        throw new Error(`${caller}: class ids must be integers >= 0, got ${v}`);
      maxId = Math.max(maxId, v);
    }
  }
  const C = numClasses ?? maxId + 1;
  if (maxId >= C) throw new Error(`${caller}: class id ${maxId} is >= numClasses ${C}`);
  const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  for (let i = 0; i < preds.length; i++) m[labels[i]!]![preds[i]!]! += 1;
  return m;
}

import { checkPaired, type Numbers } from './inputs.js';

/**
 * Mean squared error over paired arrays.
 *
 * @example
 * ```ts
 * mse([1, 2], [1, 4]); // 2
 * ```
 */
export function mse(preds: Numbers, targets: Numbers): number {
  checkPaired(preds, 'preds', targets, 'targets', 'mse');
  let s = 0;
  for (let i = 0; i < preds.length; i++) s += (preds[i]! - targets[i]!) ** 2;
  return s / preds.length;
}

/**
 * Mean absolute error over paired arrays.
 *
 * @example
 * ```ts
 * mae([1, 2], [1, 4]); // 1
 * ```
 */
export function mae(preds: Numbers, targets: Numbers): number {
  checkPaired(preds, 'preds', targets, 'targets', 'mae');
  let s = 0;
  for (let i = 0; i < preds.length; i++) s += Math.abs(preds[i]! - targets[i]!);
  return s / preds.length;
}

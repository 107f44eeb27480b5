import * as tf from '@tensorflow/tfjs';

/** How per-element losses become the result, as torch's `reduction`. */
export type Reduction = 'mean' | 'sum' | 'none';

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** Applies a reduction to per-element losses (mean over every element). */
export function reduce(losses: tf.Tensor, reduction: Reduction, caller: string): tf.Tensor {
  checkReduction(reduction, caller);
  if (reduction === 'none') return losses;
  return reduction === 'sum' ? tf.sum(losses) : tf.mean(losses);
}

export function checkReduction(reduction: Reduction, caller: string): void {
  if (!REDUCTIONS.includes(reduction)) {
    throw new Error(`${caller}: reduction must be one of ${REDUCTIONS.join(', ')}, got '${reduction}'`);
  }
}

/** Throws unless the two tensors have identical shapes. */
export function assertSameShape(
  a: tf.Tensor,
  aName: string,
  b: tf.Tensor,
  bName: string,
  caller: string,
): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${caller}: ${aName} shape [${a.shape}] != ${bName} shape [${b.shape}]`);
  }
}

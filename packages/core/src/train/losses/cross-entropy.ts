import * as tf from '@tensorflow/tfjs';
import { checkReduction, type Reduction } from './reduction.js';

export interface CrossEntropyOptions {
  /** Mix of the target with the uniform distribution, in [0, 1] (default 0). */
  labelSmoothing?: number;
  /** Per-class weights, length C (default all 1). */
  classWeights?: readonly number[];
  /** Targets equal to this contribute nothing and do not count in the mean (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * Softmax cross-entropy with `torch.nn.functional.cross_entropy` semantics, for logits `[N, C]`
 * or `[N, T, C]` and int32 class ids `[N]` or `[N, T]`. With `w` the class weights (1 if none),
 * `eps` the label smoothing and `logp = logSoftmax(logits)`, each non-ignored target `y` gives
 *
 * ```
 * loss = (1 - eps) * w[y] * -logp[y]  +  (eps / C) * sum_c w[c] * -logp[c]
 * ```
 *
 * `mean` divides the sum by `sum w[y]` over non-ignored targets (the count when unweighted), so an
 * all-ignored batch gives NaN as in torch; `none` returns the per-target losses (0 where
 * ignored) in the shape of `targets`. Stable for large logits (log-softmax subtracts the max),
 * and the gradient avoids `gather` (slow or missing on the wasm/cpu backends).
 *
 * Targets are read on the host (one small sync) to check their range: an out-of-range id is an
 * error, not a silent zero.
 *
 * @example
 * ```ts
 * const loss = crossEntropy(logits, tf.tensor1d([2, 0, -100], 'int32'), { labelSmoothing: 0.1 });
 * ```
 */
export function crossEntropy(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: CrossEntropyOptions = {},
): tf.Tensor {
  const caller = 'crossEntropy';
  const eps = options.labelSmoothing ?? 0;
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? 'mean';
  checkReduction(reduction, caller);
  if (!(eps >= 0 && eps <= 1)) throw new Error(`${caller}: labelSmoothing must be in [0, 1], got ${eps}`);
  if (logits.rank !== 2 && logits.rank !== 3) {
    throw new Error(`${caller}: logits must be [N, C] or [N, T, C], got [${logits.shape}]`);
  }
  const lead = logits.shape.slice(0, -1);
  if (targets.rank !== lead.length || targets.shape.some((d, i) => d !== lead[i])) {
    throw new Error(
      `${caller}: targets shape [${targets.shape}] must be [${lead}] for logits [${logits.shape}]`,
    );
  }
  if (targets.dtype !== 'int32')
    throw new Error(`${caller}: targets must be int32 class ids, got ${targets.dtype}`);
  const C = logits.shape[logits.rank - 1]!;
  const weights = options.classWeights;
  if (weights && weights.length !== C) {
    throw new Error(`${caller}: classWeights has ${weights.length} entries for ${C} classes`);
  }

  // Host side: per-target weights (0 when ignored) and safe class ids for the one-hot.
  const ids = targets.dataSync();
  const M = ids.length;
  const safeIds = new Int32Array(M);
  const rowWeight = new Float32Array(M);
  let weightSum = 0;
  for (let i = 0; i < M; i++) {
    const y = ids[i]!;
    if (y === ignoreIndex) continue;
    if (y < 0 || y >= C) throw new Error(`${caller}: target ${y} at flat index ${i} is outside [0, ${C})`);
    safeIds[i] = y;
    const w = weights ? weights[y]! : 1;
    rowWeight[i] = w;
    weightSum += w;
  }

  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(logits, [M, C]));
    const oneHot = tf.oneHot(tf.tensor1d(safeIds, 'int32'), C);
    const nll = tf.mul(tf.neg(tf.sum(tf.mul(logp, oneHot), 1)), tf.tensor1d(rowWeight));
    let perTarget = nll;
    if (eps > 0) {
      const classW = weights ? tf.mul(logp, tf.tensor1d([...weights])) : logp;
      const valid = tf.tensor1d(rowWeight.map((_, i) => (ids[i] === ignoreIndex ? 0 : 1)));
      const smooth = tf.mul(tf.neg(tf.sum(classW, 1)), valid);
      perTarget = tf.add(tf.mul(nll, 1 - eps), tf.mul(smooth, eps / C));
    }
    if (reduction === 'none') return tf.reshape(perTarget, targets.shape);
    const total = tf.sum(perTarget);
    // weightSum may be 0 (all ignored): 0/0 = NaN, as torch.
    return reduction === 'sum' ? total : tf.div(total, weightSum);
  });
}

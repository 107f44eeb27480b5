import * as tf from '@tensorflow/tfjs';
import { CtcAlignment } from './ctc-alignment.js';
import { logSoftmaxRows } from './ctc-recursion.js';

export interface CtcLossOptions {
  /** Class id of the CTC blank (default 0, HF wav2vec2's `<pad>`). */
  blank?: number;
  /**
   * `mean` (default, torch's): each example's loss divided by its target length (at least 1),
   * then the mean over the batch. `sum`: the sum over the batch. `none`: per-example losses `[B]`.
   */
  reduction?: 'mean' | 'sum' | 'none';
  /**
   * Infinite losses (targets that no alignment fits into the frames) become 0 with a zero
   * gradient, as torch's `zero_infinity` (default false: the loss is Infinity, its gradient NaN).
   */
  zeroInfinity?: boolean;
}

type Lengths = tf.Tensor | ArrayLike<number>;

/**
 * Connectionist temporal classification loss with `torch.nn.functional.ctc_loss` semantics, taking
 * raw logits `[B, T, C]` (log-softmax is applied here, over the last axis) and padded target ids
 * `[B, U]` (entries past each target length are ignored: any filler works).
 *
 * tfjs has no CTC and autodiff through a per-frame loop is slow, so the forward-backward (alpha-
 * beta) recursion runs on the host in float64, outside the tape (rescaled per frame; in log space
 * where that would underflow), and a custom gradient returns
 * `softmax - posterior` per frame, where the posterior of a class sums the alignment occupancies of
 * every label position holding it; frames past an example's logit length get zero gradient. One
 * host read of the logits per call, so keep it out of hot inner loops of other ops.
 *
 * @param logits `[B, T, C]` float logits.
 * @param logitLengths valid frames per example `[B]` (tensor or host array), each in [0, T].
 * @param targets int32 `[B, U]` target ids, none equal to `blank` within its length.
 * @param targetLengths labels per example `[B]`, each in [0, U].
 *
 * @example
 * ```ts
 * const loss = ctcLoss(logits, [50, 42], tf.tensor2d([[3, 3, 7], [5, 1, 0]], [2, 3], 'int32'), [3, 2]);
 * ```
 */
export function ctcLoss(
  logits: tf.Tensor,
  logitLengths: Lengths,
  targets: tf.Tensor,
  targetLengths: Lengths,
  options: CtcLossOptions = {},
): tf.Tensor {
  const caller = 'ctcLoss';
  const blank = options.blank ?? 0;
  const reduction = options.reduction ?? 'mean';
  const zeroInfinity = options.zeroInfinity ?? false;
  if (!['mean', 'sum', 'none'].includes(reduction)) {
    throw new Error(`${caller}: reduction must be one of mean, sum, none, got '${reduction}'`);
  }
  if (logits.rank !== 3) throw new Error(`${caller}: logits must be [B, T, C], got [${logits.shape}]`);
  const [B, T, C] = logits.shape as [number, number, number];
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) {
    throw new Error(`${caller}: blank must be a class id in [0, ${C}), got ${blank}`);
  }
  if (targets.rank !== 2 || targets.shape[0] !== B) {
    throw new Error(`${caller}: targets must be [B, U] with B = ${B}, got [${targets.shape}]`);
  }
  const U = targets.shape[1] as number;
  const inLens = hostLengths(logitLengths, B, T, 'logitLengths', caller);
  const outLens = hostLengths(targetLengths, B, U, 'targetLengths', caller);
  const ids = targets.dataSync();
  const labels: Int32Array[] = [];
  for (let b = 0; b < B; b++) {
    const row = Int32Array.from(ids.subarray(b * U, b * U + outLens[b]!));
    row.forEach((y, u) => {
      if (!Number.isInteger(y) || y < 0 || y >= C || y === blank) {
        throw new Error(
          `${caller}: target ${y} at [${b}, ${u}] must be a class id in [0, ${C}) other than the blank ${blank}`,
        );
      }
    });
    labels.push(row);
  }

  const perExample = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const data = (args[0] as tf.Tensor).dataSync();
    const alignments: CtcAlignment[] = [];
    const losses = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const frames = inLens[b]!;
      const a = new CtcAlignment({
        logProbs: logSoftmaxRows(data, b * T * C, frames, C),
        classes: C,
        frames,
        labels: labels[b]!,
        blank,
      });
      alignments.push(a);
      const loss = -a.logLikelihood;
      losses[b] = zeroInfinity && loss === Number.POSITIVE_INFINITY ? 0 : loss;
    }
    return {
      value: tf.tensor1d(losses),
      // The beta pass runs only when a gradient is asked for.
      gradFunc: (dy: tf.Tensor) => {
        const scales = dy.dataSync();
        const grad = new Float32Array(B * T * C);
        for (let b = 0; b < B; b++) {
          const a = alignments[b]!;
          const view = grad.subarray(b * T * C, (b + 1) * T * C);
          if (a.logLikelihood === Number.NEGATIVE_INFINITY) {
            // torch: zero with zero_infinity, else NaN over the example's valid frames.
            if (!zeroInfinity) view.fill(Number.NaN, 0, inLens[b]! * C);
            continue;
          }
          a.addGradient(view, scales[b]!);
        }
        return tf.tensor3d(grad, [B, T, C]);
      },
    };
  });

  return tf.tidy(() => {
    const losses = perExample(logits) as tf.Tensor1D;
    if (reduction === 'none') return losses;
    if (reduction === 'sum') return tf.sum(losses);
    const divisors = tf.tensor1d(Array.from(outLens, (n) => Math.max(n, 1)));
    return tf.mean(tf.div(losses, divisors));
  });
}

function hostLengths(lengths: Lengths, B: number, max: number, name: string, caller: string): Int32Array {
  const values = lengths instanceof tf.Tensor ? lengths.dataSync() : lengths;
  if (values.length !== B) throw new Error(`${caller}: ${name} has ${values.length} entries for batch ${B}`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const n = values[b]!;
    if (!Number.isInteger(n) || n < 0 || n > max) {
      throw new Error(`${caller}: ${name}[${b}] = ${n} must be an integer in [0, ${max}]`);
    }
    out[b] = n;
  }
  return out;
}

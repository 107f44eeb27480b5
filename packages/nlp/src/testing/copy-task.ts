import type { Parameter } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { type Seq2SeqTrainable, seq2seqLmLoss } from '../models/seq2seq/seq2seq-loss.js';

/** What `trainCopyTask` measured: the first and last step's loss and the live tensors added by the steps after the first. */
export interface CopyTaskResult {
  readonly first: number;
  readonly last: number;
  readonly tensorGrowth: number;
}

/**
 * Trains `params` of an encoder-decoder with Adam on a two-row copy task (the target equals the
 * source, one label padded with -100) for `1 + steps` steps, for tests that check a method learns
 * and does not leak tensors.
 */
export function trainCopyTask(
  model: Seq2SeqTrainable,
  params: readonly (readonly [string, Parameter])[],
  options: { readonly lr: number; readonly steps: number },
): CopyTaskResult {
  const opt = tf.train.adam(options.lr);
  const ids = tf.tensor2d(
    [
      [3, 4, 5, 6],
      [7, 8, 9, 1],
    ],
    undefined,
    'int32',
  );
  const labels = tf.tensor2d(
    [
      [3, 4, 5, 6],
      [7, 8, 9, -100],
    ],
    undefined,
    'int32',
  );
  const step = () => {
    const cost = opt.minimize(
      () => seq2seqLmLoss(model, ids, labels),
      true,
      params.map(([, p]) => p.variable),
    ) as tf.Scalar;
    const v = cost.dataSync()[0] as number;
    cost.dispose();
    return v;
  };
  try {
    const first = step();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < options.steps; i++) last = step();
    return { first, last, tensorGrowth: tf.memory().numTensors - before };
  } finally {
    tf.dispose([ids, labels]);
    opt.dispose();
  }
}

import * as tf from '@tensorflow/tfjs';
import type { AnyModule, Parameter } from '../../../nn/index.js';
import { valueAndGrads } from '../../../train/index.js';
import { crossEntropy } from '../../../train/losses/index.js';
import { AdamW } from '../../../train/optim/index.js';

/**
 * Helpers shared by the tests of prompt tuning, prefix tuning, BitFit, LN tuning and SELECTIVE
 * (not exported from the package).
 */

/** `[3, 4]` int32 token ids within a vocabulary of 16. */
export function ids(): tf.Tensor2D {
  return tf.tensor2d(
    [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ],
    [3, 4],
    'int32',
  );
}

export function labels(): tf.Tensor1D {
  return tf.tensor1d([0, 1, 2], 'int32');
}

/** A copy of every parameter's values, keyed by path. */
export function snapshot(m: AnyModule): Map<string, Float32Array> {
  return new Map(m.namedParameters().map(([k, p]) => [k, p.value.dataSync().slice() as Float32Array]));
}

/** Values of a parameter list, for bit-exact comparisons. */
export function values(params: readonly Parameter[]): number[][] {
  return params.map((p) => Array.from(p.value.dataSync()));
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

export function sameValues(a: tf.Tensor, b: tf.Tensor): boolean {
  const x = a.dataSync();
  const y = b.dataSync();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * Runs `steps` AdamW steps on the trainable parameters of `model` with cross-entropy on `call()`
 * against `labels()`; returns the losses. Every tensor is disposed.
 */
export function trainSteps(
  model: AnyModule,
  steps: number,
  call: () => tf.Tensor,
  lr = 0.05,
  onStep?: (step: number) => void,
): number[] {
  const named = model.namedParameters({ trainableOnly: true });
  const opt = new AdamW([{ params: named, lr }], { weightDecay: 0 });
  const y = labels();
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const { value, grads } = valueAndGrads(named, () => crossEntropy(call(), y) as tf.Scalar);
      losses.push(value.dataSync()[0] as number);
      opt.step(grads);
      value.dispose();
      for (const g of grads.values()) g.dispose();
      onStep?.(i);
    }
  } finally {
    opt.dispose();
    y.dispose();
  }
  return losses;
}

import * as tf from '@tensorflow/tfjs';
import { Conv2d, GlobalAvgPool2d, Linear, Module, type Parameter } from '../../../nn/index.js';
import { valueAndGrads } from '../../../train/index.js';
import { crossEntropy } from '../../../train/losses/index.js';
import { AdamW } from '../../../train/optim/index.js';
import type { PeftModel } from '../../peft-model.js';

/**
 * Shared fixtures of the LoHa / LoKr / VeRA tests (test-only; not exported from the package):
 * token ids for `TinyBert`, a tiny conv net with HF-style names, and a short training loop.
 */

/** `[3, 4]` token ids for `TinyBert` (vocab 20). */
export const ids = (): tf.Tensor =>
  tf.tensor2d(
    [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ],
    [3, 4],
    'int32',
  );

export const labels = (): tf.Tensor => tf.tensor1d([0, 1, 2], 'int32');

/** NHWC images `[3, 6, 6, 3]` with fixed pseudo-random values. */
export const images = (): tf.Tensor =>
  tf.tidy(() => tf.sin(tf.mul(tf.range(0, 3 * 6 * 6 * 3, 1, 'float32'), 0.37)).reshape([3, 6, 6, 3]));

/**
 * `conv` (3 -> 4, 3x3, pad 1) -> relu -> `grouped` (4 -> 4, 3x3, groups 2, pad 1) -> relu ->
 * `proj` (4 -> 6, 1x1) -> global average pool -> `head` (6 -> 3).
 */
export class TinyConvNet extends Module<[tf.Tensor], tf.Tensor> {
  constructor() {
    super();
    this.registerModule('conv', new Conv2d(3, 4, 3, { padding: 1 }));
    this.registerModule('grouped', new Conv2d(4, 4, 3, { padding: 1, groups: 2 }));
    this.registerModule('proj', new Conv2d(4, 6, 1));
    this.registerModule('pool', new GlobalAvgPool2d());
    this.registerModule('head', new Linear(6, 3));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const h1 = tf.relu(this.child('conv').forward(x));
    const h2 = tf.relu(this.child('grouped').forward(h1));
    return this.child('head').forward(this.child('pool').forward(this.child('proj').forward(h2)));
  }
}

/** Copies of every state-dict value, keyed by path. */
export function snapshot(m: { stateDict(): Map<string, Parameter> }): Map<string, Float32Array> {
  return new Map([...m.stateDict()].map(([k, p]) => [k, p.value.dataSync().slice() as Float32Array]));
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

/** Rows of a 2-D tensor as nested arrays (for plain-JS reference computations). */
export function rows(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

/** Runs `steps` AdamW steps on cross-entropy; returns the losses. Every step disposes its tensors. */
export function trainSteps(
  peft: PeftModel<[tf.Tensor], tf.Tensor>,
  steps: number,
  data: { x: () => tf.Tensor; y: () => tf.Tensor } = { x: ids, y: labels },
  lr = 0.05,
): number[] {
  const named = peft.namedParameters({ trainableOnly: true });
  const opt = new AdamW([{ params: named, lr }], { weightDecay: 0 });
  const losses: number[] = [];
  const x = data.x();
  const y = data.y();
  for (let i = 0; i < steps; i++) {
    const { value: loss, grads } = valueAndGrads(named, () => crossEntropy(peft.call(x), y) as tf.Scalar);
    losses.push(loss.dataSync()[0] as number);
    opt.step(grads);
    loss.dispose();
    for (const g of grads.values()) g.dispose();
  }
  opt.dispose();
  tf.dispose([x, y]);
  return losses;
}

import * as tf from '@tensorflow/tfjs';
import { Conv1d, Conv2d, Linear, Module } from '../../../nn/index.js';
import { valueAndGrads } from '../../../train/index.js';
import { crossEntropy } from '../../../train/losses/index.js';
import { AdamW } from '../../../train/optim/index.js';

/** Shared fixtures of the LoRA tests (not exported from the package). */

export const tokenIds = (): tf.Tensor2D =>
  tf.tensor2d(
    [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ],
    [3, 4],
    'int32',
  );

export const classLabels = (): tf.Tensor1D => tf.tensor1d([0, 1, 2], 'int32');

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

export function snapshot(m: { stateDict(): Map<string, { value: tf.Tensor }> }): Map<string, Float32Array> {
  return new Map([...m.stateDict()].map(([k, p]) => [k, p.value.dataSync().slice() as Float32Array]));
}

/** A few AdamW steps of cross-entropy on `(x, y)`; returns the losses. */
export function trainSteps(
  model: Module<[tf.Tensor], tf.Tensor>,
  x: tf.Tensor,
  y: tf.Tensor,
  steps: number,
  lr = 0.05,
): number[] {
  const named = model.namedParameters({ trainableOnly: true });
  const opt = new AdamW([{ params: named, lr }], { weightDecay: 0 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { value: loss, grads } = valueAndGrads(named, () => crossEntropy(model.call(x), y) as tf.Scalar);
    losses.push(loss.dataSync()[0] as number);
    opt.step(grads);
    loss.dispose();
    for (const g of grads.values()) g.dispose();
  }
  opt.dispose();
  return losses;
}

/**
 * NHWC images `[B, 6, 6, 3]` -> logits `[B, 3]` through a dilated conv, a grouped strided conv,
 * a Conv1d over the flattened positions and a Linear head.
 */
export class TinyConvNet extends Module<[tf.Tensor], tf.Tensor> {
  constructor() {
    super();
    this.registerModule('conv1', new Conv2d(3, 4, 3, { padding: 2, dilation: 2 }));
    this.registerModule('conv2', new Conv2d(4, 4, 3, { stride: 2, padding: 1, groups: 2 }));
    this.registerModule('seq', new Conv1d(4, 6, 2, { padding: 1 }));
    this.registerModule('head', new Linear(6, 3));
  }
  forward(x: tf.Tensor): tf.Tensor {
    let h = tf.relu(this.child('conv1').forward(x) as tf.Tensor);
    h = tf.relu(this.child('conv2').forward(h) as tf.Tensor);
    const [b, hh, ww, c] = h.shape as [number, number, number, number];
    const s = tf.relu(this.child('seq').forward(tf.reshape(h, [b, hh * ww, c])) as tf.Tensor);
    return this.child('head').forward(tf.mean(s, 1)) as tf.Tensor;
  }
}

export const images = (): tf.Tensor4D => tf.randomNormal([3, 6, 6, 3], 0, 1, 'float32', 7) as tf.Tensor4D;

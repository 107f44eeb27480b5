import * as tf from '@tensorflow/tfjs';
import { BatchNorm2d, Conv1d, Conv2d, GlobalAvgPool2d, Linear, Module } from '../../nn/index.js';

/** Small conv models with HF-style module names for the PEFT method tests (test-only). */

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

/**
 * NHWC images `[B, 6, 6, 3]` -> logits `[B, 3]` through a dilated conv (`conv1`), a grouped
 * strided conv (`conv2`), a Conv1d over the flattened positions (`seq`) and a Linear `head`.
 */
export class TinyConvSeqNet extends Module<[tf.Tensor], tf.Tensor> {
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

/**
 * `conv` (3 -> 4, 3x3, pad 1, no bias) -> `bn` (BatchNorm2d) -> relu -> global average pool ->
 * `head` (4 -> 3): the ResNet stem pattern, whose running statistics move in train mode.
 */
export class TinyBatchNormNet extends Module<[tf.Tensor], tf.Tensor> {
  constructor() {
    super();
    this.registerModule('conv', new Conv2d(3, 4, 3, { padding: 1, bias: false }));
    this.registerModule('bn', new BatchNorm2d(4));
    this.registerModule('pool', new GlobalAvgPool2d());
    this.registerModule('head', new Linear(4, 3));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const h = tf.relu(this.child('bn').forward(this.child('conv').forward(x)));
    return this.child('head').forward(this.child('pool').forward(h));
  }
}

/** NHWC images `[3, 6, 6, 3]` with fixed values (a sine of the flat index). */
export function sineImages(): tf.Tensor4D {
  return tf.tidy(() => tf.sin(tf.mul(tf.range(0, 3 * 6 * 6 * 3, 1, 'float32'), 0.37)).reshape([3, 6, 6, 3]));
}

/** NHWC images `[3, 6, 6, 3]` drawn from N(0, 1) with seed 7. */
export function normalImages(): tf.Tensor4D {
  return tf.randomNormal([3, 6, 6, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
}

import * as tf from '@tensorflow/tfjs';
import { Module } from '../../nn/module.js';

/**
 * Parameter-free Keras layers that have no counterpart in `nn/` (which mirrors PyTorch). They
 * live here because only imported tfjs graphs need them; each is a `Module` so the imported tree
 * still has one child per layer.
 */

/** Keras activation functions that `nn/` has no module for. */
export const ELEMENTWISE_ACTIVATIONS = {
  relu6: (x: tf.Tensor) => tf.relu6(x),
  elu: (x: tf.Tensor) => tf.elu(x),
  selu: (x: tf.Tensor) => tf.selu(x),
  softplus: (x: tf.Tensor) => tf.softplus(x),
  softsign: (x: tf.Tensor) => tf.div(x, tf.add(tf.abs(x), 1)),
  hardSigmoid: (x: tf.Tensor) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  logSoftmax: (x: tf.Tensor) => tf.logSoftmax(x, -1),
  mish: (x: tf.Tensor) => tf.mul(x, tf.tanh(tf.softplus(x))),
} as const;
export type ElementwiseActivationName = keyof typeof ELEMENTWISE_ACTIVATIONS;

/** One of `ELEMENTWISE_ACTIVATIONS`, as a module. */
export class ElementwiseActivation extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly activation: ElementwiseActivationName) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return ELEMENTWISE_ACTIVATIONS[this.activation](x);
  }
}

/** Keras `ReLU(maxValue)`, `LeakyReLU(alpha)`, `ELU(alpha)`, `Softmax(axis)` layers. */
export class ParametricActivation extends Module<[tf.Tensor], tf.Tensor> {
  constructor(
    readonly kind: 'relu' | 'leakyRelu' | 'elu' | 'softmax',
    readonly value: number,
  ) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    switch (this.kind) {
      case 'relu':
        return Number.isFinite(this.value) ? tf.clipByValue(tf.relu(x), 0, this.value) : tf.relu(x);
      case 'leakyRelu':
        return tf.leakyRelu(x, this.value);
      case 'elu':
        // alpha * (exp(x) - 1) for x < 0; tf.elu is the alpha = 1 case.
        return this.value === 1
          ? tf.elu(x)
          : tf.where(tf.greater(x, 0), x, tf.mul(this.value, tf.sub(tf.exp(x), 1)));
      case 'softmax':
        return tf.softmax(x, this.value);
    }
  }
}

export type MergeKind = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum';

/** Keras merge layers: an element-wise reduction over two or more inputs. */
export class Merge extends Module<tf.Tensor[], tf.Tensor> {
  constructor(readonly kind: MergeKind) {
    super();
  }
  forward(...xs: tf.Tensor[]): tf.Tensor {
    if (xs.length < 2)
      throw new Error(`Merge(${this.kind}).forward: needs at least 2 inputs, got ${xs.length}`);
    if (this.kind === 'subtract') {
      if (xs.length !== 2)
        throw new Error(`Merge(subtract).forward: needs exactly 2 inputs, got ${xs.length}`);
      return tf.sub(xs[0]!, xs[1]!);
    }
    if (this.kind === 'average') return tf.div(tf.addN(xs), xs.length);
    if (this.kind === 'add') return tf.addN(xs);
    const op = this.kind === 'multiply' ? tf.mul : this.kind === 'maximum' ? tf.maximum : tf.minimum;
    return xs.slice(1).reduce((acc, x) => op(acc, x), xs[0]!);
  }
}

/** Keras `Concatenate(axis)`. */
export class Concatenate extends Module<tf.Tensor[], tf.Tensor> {
  constructor(readonly axis: number) {
    super();
  }
  forward(...xs: tf.Tensor[]): tf.Tensor {
    return tf.concat(xs, this.axis);
  }
}

/** Keras `Reshape(targetShape)`: the batch axis is kept, `-1` is allowed in the target. */
export class Reshape extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly targetShape: readonly number[]) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0] as number, ...this.targetShape]);
  }
}

/** Keras `ZeroPadding2D` on NHWC input: `[[top, bottom], [left, right]]`. */
export class ZeroPad2d extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly padding: readonly [readonly [number, number], readonly [number, number]]) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    const [[t, b], [l, r]] = this.padding;
    return tf.pad(x, [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ]);
  }
}

/** Keras global pooling: mean or max over `axes` (spatial axes of channels-last input). */
export class GlobalPool extends Module<[tf.Tensor], tf.Tensor> {
  constructor(
    readonly reduce: 'mean' | 'max',
    readonly axes: readonly number[],
  ) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.reduce === 'mean' ? tf.mean(x, [...this.axes]) : tf.max(x, [...this.axes]);
  }
}

/** Casts to int32 before a module that needs integer ids (Keras Embedding accepts float ids). */
export class CastToInt32 extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return x.dtype === 'int32' ? x : tf.cast(x, 'int32');
  }
}

import * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import { assertNonNegativeInt, assertRank, type Pair, toPair } from './checks.js';
import { Module } from './module.js';

/** Symmetric padding per spatial axis, or tfjs' `'same'` / `'valid'`. */
export type Pool2dPadding = number | [number, number] | 'same' | 'valid';

export interface Pool2dOptions {
  /** Default: the kernel size, as PyTorch. */
  stride?: number | [number, number];
  padding?: Pool2dPadding;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count padded zeros in the average (PyTorch default true). */
  countIncludePad?: boolean;
}

type ResolvedPadding = Pair | 'same' | 'valid';

function resolve(kernel: number | [number, number], options: Pool2dOptions, caller: string) {
  const kernelSize = toPair(kernel, 'kernel', caller);
  const stride = options.stride === undefined ? kernelSize : toPair(options.stride, 'stride', caller);
  const p = options.padding ?? 0;
  const padding: ResolvedPadding =
    p === 'same' || p === 'valid' ? p : toPair(p, 'padding', caller, assertNonNegativeInt);
  if (typeof padding !== 'string' && (padding[0] * 2 > kernelSize[0] || padding[1] * 2 > kernelSize[1])) {
    // PyTorch's rule; larger pads would create windows that lie entirely in the padding.
    throw new Error(`${caller}: padding [${padding}] must be at most half the kernel [${kernelSize}]`);
  }
  return { kernelSize, stride, padding };
}

function explicit([ph, pw]: Pair): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
}

/**
 * Max pooling over NHWC input, PyTorch's `nn.MaxPool2d` (floor mode). Numeric padding is
 * ignored by the max, as PyTorch's implicit -inf padding.
 *
 * @example new MaxPool2d(2).call(tf.zeros([1, 8, 8, 3])) // [1, 4, 4, 3]
 */
export class MaxPool2d extends Module<[tf.Tensor], tf.Tensor> {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: ResolvedPadding;

  constructor(kernel: number | [number, number], options: Pool2dOptions = {}) {
    super();
    ({
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
    } = resolve(kernel, options, 'MaxPool2d'));
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertRank(x, [4], 'x (NHWC)', 'MaxPool2d.forward');
    const pad = typeof this.padding === 'string' ? this.padding : explicit(this.padding);
    return tf.maxPool(x as tf.Tensor4D, this.kernelSize, this.stride, pad);
  }
}

/**
 * Average pooling over NHWC input, PyTorch's `nn.AvgPool2d` (floor mode). With numeric padding
 * and `countIncludePad` (default, as PyTorch) the padded zeros count in the average; otherwise
 * only real elements do.
 *
 * @example new AvgPool2d(3, { stride: 2, padding: 1 }).call(tf.zeros([1, 8, 8, 3])) // [1, 4, 4, 3]
 */
export class AvgPool2d extends Module<[tf.Tensor], tf.Tensor> {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: ResolvedPadding;
  readonly countIncludePad: boolean;

  constructor(kernel: number | [number, number], options: AvgPool2dOptions = {}) {
    super();
    ({
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
    } = resolve(kernel, options, 'AvgPool2d'));
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertRank(x, [4], 'x (NHWC)', 'AvgPool2d.forward');
    const x4 = x as tf.Tensor4D;
    if (typeof this.padding === 'string') return tf.avgPool(x4, this.kernelSize, this.stride, this.padding);
    if (this.countIncludePad) {
      // tfjs averages over in-bounds elements only, so pad with real zeros first.
      return tf.avgPool(tf.pad(x4, explicit(this.padding)), this.kernelSize, this.stride, 'valid');
    }
    return tf.avgPool(x4, this.kernelSize, this.stride, explicit(this.padding));
  }
}

/** Mean over the spatial axes: NHWC `[B, H, W, C]` -> `[B, C]`. */
export class GlobalAvgPool2d extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    assertRank(x, [4], 'x (NHWC)', 'GlobalAvgPool2d.forward');
    return tf.mean(x, [1, 2]);
  }
}

/**
 * Flattens every axis but the batch axis: `[B, ...]` -> `[B, prod(...)]`. On NHWC input the
 * order is H, W, C (Keras' order), not PyTorch's C, H, W: a Linear after a flatten imported
 * from PyTorch needs its input features permuted.
 */
export class Flatten extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank < 1) throw new Error(`Flatten.forward: x must have a batch axis, got a scalar`);
    return tf.reshape(x, [x.shape[0] as number, -1]);
  }
}

brandClass(MaxPool2d, 'nn.MaxPool2d');
brandClass(AvgPool2d, 'nn.AvgPool2d');
brandClass(GlobalAvgPool2d, 'nn.GlobalAvgPool2d');
brandClass(Flatten, 'nn.Flatten');

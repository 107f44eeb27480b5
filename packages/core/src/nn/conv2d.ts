import * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import {
  assertLastDim,
  assertNonNegativeInt,
  assertPositiveInt,
  assertRank,
  type Pair,
  toPair,
} from './checks.js';
import { type ConvMode, convMode, convNhwc } from './conv-ops.js';
import { biasBound, computeFans, kaimingUniform, uniform } from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

/** PyTorch-style padding: symmetric zeros per spatial axis, or tfjs' `'same'` / `'valid'`. */
export type Conv2dPadding = number | [number, number] | 'same' | 'valid';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: Conv2dPadding;
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
}

/**
 * 2-D convolution, PyTorch's `nn.Conv2d`, on channels-last input `[B, H, W, C]`.
 *
 * The kernel layout follows `groups`:
 * - `groups = 1`: HWIO `[kh, kw, in, out]`, layout `'conv2d'` (file OIHW), via `tf.conv2d`;
 * - `groups = inChannels` (so `out % in = 0`): `[kh, kw, in, out/in]`, layout `'depthwise2d'`
 *   (file `[out, 1, kh, kw]`), via `tf.depthwiseConv2d`;
 * - other groups: `[kh, kw, in/groups, out]`, layout `'conv2d'`, one conv per channel group.
 *
 * `'same'` with stride > 1 pads like TensorFlow (extra row/column at the bottom/right); PyTorch
 * rejects that combination. Dilation is supported in training too (see `conv-ops.ts`).
 *
 * Init as PyTorch: weight and bias U(±1/sqrt(fanIn)), fanIn = in/groups * kh * kw.
 *
 * @example
 * const conv = new Conv2d(3, 8, 3, { stride: 2, padding: 1 });
 * const y = conv.call(tf.zeros([1, 32, 32, 3])); // [1, 16, 16, 8]
 */
export class Conv2d extends Module<[tf.Tensor], tf.Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair | 'same' | 'valid';
  readonly dilation: Pair;
  readonly groups: number;
  /** Which implementation (and weight layout) `groups` selected. */
  readonly mode: ConvMode;
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number],
    options: Conv2dOptions = {},
  ) {
    super();
    const caller = 'Conv2d';
    this.inChannels = assertPositiveInt(inChannels, 'inChannels', caller);
    this.outChannels = assertPositiveInt(outChannels, 'outChannels', caller);
    this.kernelSize = toPair(kernelSize, 'kernelSize', caller);
    this.stride = toPair(options.stride ?? 1, 'stride', caller);
    this.dilation = toPair(options.dilation ?? 1, 'dilation', caller);
    this.padding = resolvePadding(options.padding ?? 0, caller);
    this.groups = assertPositiveInt(options.groups ?? 1, 'groups', caller);
    this.mode = convMode(inChannels, outChannels, this.groups, caller);

    const [kh, kw] = this.kernelSize;
    const depthwise = this.mode === 'depthwise';
    const shape = depthwise
      ? [kh, kw, inChannels, outChannels / inChannels]
      : [kh, kw, inChannels / this.groups, outChannels];
    const layout = depthwise ? 'depthwise2d' : 'conv2d';
    const { fanIn } = computeFans(shape, layout);
    this.weight = this.initParameter('weight', () => kaimingUniform(shape, fanIn), { layout });
    this.bias =
      (options.bias ?? true)
        ? this.initParameter('bias', () => uniform([outChannels], biasBound(fanIn)))
        : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertRank(x, [4], 'x (NHWC)', 'Conv2d.forward');
    assertLastDim(x, this.inChannels, 'x (NHWC)', 'Conv2d.forward');
    const y = convNhwc(x as tf.Tensor4D, this.weight.value as tf.Tensor4D, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      mode: this.mode,
    });
    return this.bias ? tf.add(y, this.bias.value) : y;
  }
}

function resolvePadding(padding: Conv2dPadding, caller: string): Pair | 'same' | 'valid' {
  if (padding === 'same' || padding === 'valid') return padding;
  return toPair(padding, 'padding', caller, assertNonNegativeInt);
}

brandClass(Conv2d, 'nn.Conv2d');

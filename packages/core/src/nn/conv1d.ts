import * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import { assertLastDim, assertNonNegativeInt, assertPositiveInt, assertRank } from './checks.js';
import { type ConvMode, convMode, convNhwc } from './conv-ops.js';
import { biasBound, computeFans, kaimingUniform, uniform } from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

export interface Conv1dOptions {
  stride?: number;
  /** Symmetric zero padding, or tfjs' `'same'` / `'valid'`. */
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/**
 * 1-D convolution, PyTorch's `nn.Conv1d`, on channels-last input `[B, L, C]` (tfjs' conv1d
 * layout; PyTorch uses `[B, C, L]`).
 *
 * The weight is `[k, in/groups, out]` for every `groups` (layout `'conv1d'`, file
 * `[out, in/groups, k]`); it is computed as a 2-D conv of height 1, so grouped, depthwise and
 * dilated kernels behave as in `Conv2d`.
 *
 * Init as PyTorch: weight and bias U(±1/sqrt(fanIn)), fanIn = in/groups * k.
 *
 * @example
 * const conv = new Conv1d(4, 8, 3, { padding: 1 });
 * const y = conv.call(tf.zeros([2, 10, 4])); // [2, 10, 8]
 */
export class Conv1d extends Module<[tf.Tensor], tf.Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;
  readonly mode: ConvMode;
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dOptions = {}) {
    super();
    const caller = 'Conv1d';
    this.inChannels = assertPositiveInt(inChannels, 'inChannels', caller);
    this.outChannels = assertPositiveInt(outChannels, 'outChannels', caller);
    this.kernelSize = assertPositiveInt(kernelSize, 'kernelSize', caller);
    this.stride = assertPositiveInt(options.stride ?? 1, 'stride', caller);
    this.dilation = assertPositiveInt(options.dilation ?? 1, 'dilation', caller);
    const padding = options.padding ?? 0;
    this.padding =
      padding === 'same' || padding === 'valid' ? padding : assertNonNegativeInt(padding, 'padding', caller);
    this.groups = assertPositiveInt(options.groups ?? 1, 'groups', caller);
    this.mode = convMode(inChannels, outChannels, this.groups, caller);

    const shape = [kernelSize, inChannels / this.groups, outChannels];
    const { fanIn } = computeFans(shape, 'conv1d');
    this.weight = this.initParameter('weight', () => kaimingUniform(shape, fanIn), { layout: 'conv1d' });
    this.bias =
      (options.bias ?? true)
        ? this.initParameter('bias', () => uniform([outChannels], biasBound(fanIn)))
        : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertRank(x, [3], 'x ([B, L, C])', 'Conv1d.forward');
    assertLastDim(x, this.inChannels, 'x ([B, L, C])', 'Conv1d.forward');
    const [b, l] = x.shape as [number, number, number];
    const k = this.kernelSize;
    // [k, in/g, out] viewed as a height-1 kernel. For depthwise (in/g = 1) the output channel
    // index o = c * m + j of PyTorch's grouped conv is exactly tfjs' [.., c, j] depthwise order.
    const w4 =
      this.mode === 'depthwise'
        ? tf.reshape(this.weight.value, [1, k, this.inChannels, this.outChannels / this.inChannels])
        : tf.reshape(this.weight.value, [1, k, this.inChannels / this.groups, this.outChannels]);
    const padding = typeof this.padding === 'number' ? ([0, this.padding] as [number, number]) : this.padding;
    const y = convNhwc(tf.reshape(x, [b, 1, l, this.inChannels]) as tf.Tensor4D, w4 as tf.Tensor4D, {
      stride: [1, this.stride],
      padding,
      dilation: [1, this.dilation],
      groups: this.groups,
      mode: this.mode,
    });
    const out = tf.reshape(y, [b, y.shape[2], this.outChannels]);
    return this.bias ? tf.add(out, this.bias.value) : out;
  }
}

brandClass(Conv1d, 'nn.Conv1d');

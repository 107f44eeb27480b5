import * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import { assertLastDim, assertPositiveInt } from './checks.js';
import { biasBound, kaimingUniform, uniform } from './init.js';
import { linear2d } from './linear-op.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

export interface LinearOptions {
  /** Adds a learnable bias (default true). */
  bias?: boolean;
  /**
   * How the weight is stored in PyTorch files: `'linear'` (default) = `[out, in]` as `nn.Linear`;
   * `'identity'` = `[in, out]` as HF's GPT-2 `Conv1D` ("fan_in_fan_out"). Memory is `[in, out]`
   * either way, so PEFT methods treat both alike.
   */
  weightLayout?: 'linear' | 'identity';
}

/**
 * `y = x @ W + b`, PyTorch's `nn.Linear`.
 *
 * The weight is kept as `[in, out]` (layout `'linear'`; PyTorch files hold `[out, in]`) because
 * the wasm backend's matMul is fast only for plain 2-D, non-transposed operands. Inputs of any
 * rank >= 1 are flattened to `[-1, in]` for one 2-D matMul and reshaped back.
 *
 * Init as PyTorch: weight U(±1/sqrt(in)), bias U(±1/sqrt(in)).
 *
 * @example
 * const fc = new Linear(16, 4);
 * const y = fc.call(tf.zeros([2, 8, 16])); // [2, 8, 4]
 */
export class Linear extends Module<[tf.Tensor], tf.Tensor> {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = assertPositiveInt(inFeatures, 'inFeatures', 'Linear');
    this.outFeatures = assertPositiveInt(outFeatures, 'outFeatures', 'Linear');
    this.weight = this.initParameter('weight', () => kaimingUniform([inFeatures, outFeatures], inFeatures), {
      layout: options.weightLayout ?? 'linear',
    });
    this.bias =
      (options.bias ?? true)
        ? this.initParameter('bias', () => uniform([outFeatures], biasBound(inFeatures)))
        : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertLastDim(x, this.inFeatures, 'x', 'Linear.forward');
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, this.inFeatures]);
    const y = linear2d(flat, this.weight, this.bias);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
  }
}

brandClass(Linear, 'nn.Linear');

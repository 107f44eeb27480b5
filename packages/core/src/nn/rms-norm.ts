import * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import { assertLastDim, assertPositiveInt } from './checks.js';
import { ones } from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

export interface RMSNormOptions {
  eps?: number;
}

/**
 * Root-mean-square normalisation over the last axis (T5 / LLaMA style):
 * `y = x / sqrt(mean(x^2) + eps) * weight`, no mean subtraction and no bias.
 *
 * @example
 * const norm = new RMSNorm(64);
 * const y = norm.call(tf.randomNormal([2, 10, 64]));
 */
export class RMSNorm extends Module<[tf.Tensor], tf.Tensor> {
  readonly dim: number;
  readonly eps: number;
  readonly weight: Parameter;

  constructor(dim: number, options: RMSNormOptions = {}) {
    super();
    this.dim = assertPositiveInt(dim, 'dim', 'RMSNorm');
    this.eps = options.eps ?? 1e-6;
    this.weight = this.initParameter('weight', () => ones([dim]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertLastDim(x, this.dim, 'x', 'RMSNorm.forward');
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.eps))), this.weight.value);
  }
}

brandClass(RMSNorm, 'nn.RMSNorm');

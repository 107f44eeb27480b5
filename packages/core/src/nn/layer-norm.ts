import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../runtime/checkpoint.js';
import { brandClass } from './brand.js';
import { assertPositiveInt } from './checks.js';
import { ones, zeros } from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

export interface LayerNormOptions {
  eps?: number;
  /** Learnable per-element scale (and bias, unless `bias: false`). Default true. */
  elementwiseAffine?: boolean;
  /** Learnable bias when `elementwiseAffine` (default true). */
  bias?: boolean;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dimensions, PyTorch's `nn.LayerNorm`:
 * biased variance, `eps` inside the square root. Params `weight` (ones) and `bias` (zeros) have
 * shape `normalizedShape`.
 *
 * @example
 * const ln = new LayerNorm(64);
 * const y = ln.call(tf.randomNormal([2, 10, 64]));
 */
export class LayerNorm extends Module<[tf.Tensor], tf.Tensor> {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter | undefined;
  readonly bias: Parameter | undefined;

  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0) throw new Error('LayerNorm: normalizedShape must not be empty');
    for (const d of shape) assertPositiveInt(d, 'normalizedShape', 'LayerNorm');
    this.normalizedShape = shape;
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? this.initParameter('weight', () => ones(shape)) : undefined;
    this.bias =
      this.elementwiseAffine && (options.bias ?? true)
        ? this.initParameter('bias', () => zeros(shape))
        : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.rank - k);
    if (x.rank < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new Error(`LayerNorm.forward: x must end with [${this.normalizedShape}], got shape [${x.shape}]`);
    }
    const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
    // Checkpointed: under a gradient tape the formula keeps ~5 tensors the size of x for the
    // backward pass; this keeps x and recomputes them (same ops, same gradients).
    return checkpoint((a) => this.normalize(a, axes), {
      inputs: [x],
      variables: this.parameters({ trainableOnly: true }).map((p) => p.variable),
    });
  }

  private normalize(x: tf.Tensor, axes: number[]): tf.Tensor {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, axes, true);
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight) y = tf.mul(y, this.weight.value);
      if (this.bias) y = tf.add(y, this.bias.value);
      return y;
    });
  }
}

brandClass(LayerNorm, 'nn.LayerNorm');

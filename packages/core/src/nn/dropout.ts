import * as tf from '@tensorflow/tfjs';
import { isTapeRecording } from '../runtime/recording.js';
import { brandClass } from './brand.js';
import { assertProbability } from './checks.js';
import { drawSeed } from './init.js';
import { Module } from './module.js';

/**
 * `x * floor(u + keep) / keep` with `u` uniform from `seed`: tfjs' `tf.dropout`, op for op. Under
 * a gradient tape it is one custom op that keeps the mask as a bool tensor (1 byte per element)
 * for the backward pass, where `tf.dropout` keeps four float tensors (the uniform noise, its
 * floor, the scaled mask and `x`): the values and gradients are the same.
 */
function seededDropout(x: tf.Tensor, p: number, seed: number): tf.Tensor {
  const keep = 1 - p;
  const scaled = (kept: tf.Tensor) => tf.div(kept, keep);
  const keptOf = () => tf.floor(tf.add(tf.randomUniform(x.shape, 0, 1, 'float32', seed), keep));
  if (!isTapeRecording()) return tf.tidy(() => tf.mul(x, scaled(keptOf())));
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const kept = keptOf();
    save([tf.cast(kept, 'bool')]);
    return {
      value: tf.mul(input, scaled(kept)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => tf.mul(dy as tf.Tensor, scaled(tf.cast(saved[0] as tf.Tensor, 'float32')))),
    };
  });
  return op(x) as tf.Tensor;
}

/**
 * Inverted dropout: zeroes each element with probability `p` and scales the rest by
 * `1 / (1 - p)`. The mask is seeded from peftkit's generator, so `setSeed(n)` reproduces it.
 * `p = 1` returns zeros (tfjs' `dropout` rejects it; PyTorch allows it). Values equal
 * `tf.dropout(x, p, undefined, seed)`; under a gradient tape only a 1-byte mask is kept.
 *
 * @example dropout(x, 0.1, model.training)
 */
export function dropout(x: tf.Tensor, p: number, training: boolean): tf.Tensor {
  assertProbability(p, 'p', 'dropout');
  if (!training || p === 0) return x;
  if (p === 1) return tf.zerosLike(x);
  if (x.dtype !== 'float32') throw new Error(`dropout: x must be float32, got ${x.dtype}`);
  return seededDropout(x, p, drawSeed());
}

/**
 * PyTorch's `nn.Dropout(p)`: identity in eval mode or when `p = 0`, seeded inverted dropout in
 * training mode.
 *
 * @example
 * const drop = new Dropout(0.1);
 * drop.eval(); drop.call(x); // x unchanged
 */
export class Dropout extends Module<[tf.Tensor], tf.Tensor> {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    this.p = assertProbability(p, 'p', 'Dropout');
  }

  forward(x: tf.Tensor): tf.Tensor {
    return dropout(x, this.p, this.training);
  }
}

brandClass(Dropout, 'nn.Dropout');

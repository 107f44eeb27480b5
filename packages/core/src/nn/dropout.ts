import * as tf from '@tensorflow/tfjs';
import { assertProbability } from './checks.js';
import { drawSeed } from './init.js';
import { Module } from './module.js';

/**
 * Inverted dropout: zeroes each element with probability `p` and scales the rest by
 * `1 / (1 - p)`. The mask is seeded from peftkit's generator, so `setSeed(n)` reproduces it.
 * `p = 1` returns zeros (tfjs' `dropout` rejects it; PyTorch allows it).
 *
 * @example dropout(x, 0.1, model.training)
 */
export function dropout(x: tf.Tensor, p: number, training: boolean): tf.Tensor {
  assertProbability(p, 'p', 'dropout');
  if (!training || p === 0) return x;
  if (p === 1) return tf.zerosLike(x);
  return tf.dropout(x, p, undefined, drawSeed());
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

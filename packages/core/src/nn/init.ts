import * as tf from '@tensorflow/tfjs';
import { nextSeed } from '../runtime/random.js';
import { type TorchLayout, torchShapeOf } from './layout.js';

/**
 * PyTorch's default initialisers, drawing every seed from peftkit's process-wide generator so
 * that `setSeed(n)` makes model construction reproducible. Each function returns a new tensor
 * the caller owns.
 */

/**
 * A seed for tfjs random ops. tfjs treats a falsy seed as "unseeded" and falls back to
 * `Math.random`, so the (1 in 2^32) zero draw is mapped to 1.
 */
export function drawSeed(): number {
  const s = nextSeed();
  return s === 0 ? 1 : s;
}

/** Fan-in and fan-out as PyTorch computes them for `kaiming_*` / `xavier_*`. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

/**
 * Fans of a parameter given its memory shape and layout. The shape is first mapped to PyTorch
 * layout (`[out, in, ...receptive]`), then PyTorch's rule applies: `fanIn = in * receptive`,
 * `fanOut = out * receptive`. So a Linear `[in, out]` gives `fanIn = in`, and a depthwise kernel
 * `[kh, kw, c, m]` gives `fanIn = kh * kw` exactly as the equivalent PyTorch grouped conv.
 *
 * @example computeFans([64, 32], 'linear') // { fanIn: 64, fanOut: 32 }
 */
export function computeFans(memShape: readonly number[], layout: TorchLayout = 'identity'): Fans {
  const t = torchShapeOf(memShape, layout);
  if (t.length < 2) {
    throw new Error(`computeFans: need at least 2 dimensions to compute fans, got shape [${memShape}]`);
  }
  const receptive = t.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: (t[1] as number) * receptive, fanOut: (t[0] as number) * receptive };
}

/** Samples U(-bound, bound). */
export function uniform(shape: readonly number[], bound: number): tf.Tensor {
  return tf.randomUniform([...shape], -bound, bound, 'float32', drawSeed());
}

/** Samples N(mean, std^2). */
export function normal(shape: readonly number[], std = 1, mean = 0): tf.Tensor {
  return tf.randomNormal([...shape], mean, std, 'float32', drawSeed());
}

/**
 * PyTorch `kaiming_uniform_` (leaky-ReLU gain, fan-in mode): U(±gain * sqrt(3 / fanIn)) with
 * `gain = sqrt(2 / (1 + a^2))`. The default `a = sqrt(5)` is what `nn.Linear` / `nn.ConvNd` use and
 * reduces to U(±1 / sqrt(fanIn)).
 */
export function kaimingUniform(shape: readonly number[], fanIn: number, a = Math.sqrt(5)): tf.Tensor {
  checkFan(fanIn, 'kaimingUniform');
  const gain = Math.sqrt(2 / (1 + a * a));
  return uniform(shape, gain * Math.sqrt(3 / fanIn));
}

/** PyTorch `xavier_uniform_`: U(±gain * sqrt(6 / (fanIn + fanOut))). */
export function xavierUniform(shape: readonly number[], fanIn: number, fanOut: number, gain = 1): tf.Tensor {
  checkFan(fanIn + fanOut, 'xavierUniform');
  return uniform(shape, gain * Math.sqrt(6 / (fanIn + fanOut)));
}

export function zeros(shape: readonly number[]): tf.Tensor {
  return tf.zeros([...shape]);
}

export function ones(shape: readonly number[]): tf.Tensor {
  return tf.ones([...shape]);
}

/**
 * The bound PyTorch uses for Linear/Conv biases: U(±1 / sqrt(fanIn)), or 0 for an empty fan.
 */
export function biasBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

function checkFan(fan: number, caller: string): void {
  if (!(fan > 0)) throw new Error(`${caller}: fan must be positive, got ${fan}`);
}

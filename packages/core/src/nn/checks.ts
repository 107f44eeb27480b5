import type * as tf from '@tensorflow/tfjs';

/** Argument and input checks shared by the layers; every message names the caller and argument. */

export type Pair = [number, number];

export function assertPositiveInt(value: number, name: string, caller: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${caller}: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

export function assertNonNegativeInt(value: number, name: string, caller: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${caller}: ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** Expands `n` to `[n, n]` and checks both entries with `check`. */
export function toPair(
  value: number | readonly [number, number],
  name: string,
  caller: string,
  check: (v: number, name: string, caller: string) => number = assertPositiveInt,
): Pair {
  if (typeof value !== 'number' && value.length !== 2) {
    throw new Error(`${caller}: ${name} must be a number or a pair, got [${value}]`);
  }
  const p: Pair = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  check(p[0], name, caller);
  check(p[1], name, caller);
  return p;
}

export function assertRank(x: tf.Tensor, ranks: readonly number[], name: string, caller: string): void {
  if (!ranks.includes(x.rank)) {
    const want = ranks.length === 1 ? `rank ${ranks[0]}` : `rank ${ranks.join(' or ')}`;
    throw new Error(`${caller}: ${name} must have ${want}, got shape [${x.shape}]`);
  }
}

export function assertLastDim(x: tf.Tensor, size: number, name: string, caller: string): void {
  if (x.rank === 0 || x.shape[x.rank - 1] !== size) {
    throw new Error(`${caller}: ${name} must have last dimension ${size}, got shape [${x.shape}]`);
  }
}

export function assertFloat(x: tf.Tensor, name: string, caller: string): void {
  if (x.dtype !== 'float32') throw new Error(`${caller}: ${name} must be float32, got ${x.dtype}`);
}

export function assertProbability(p: number, name: string, caller: string): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`${caller}: ${name} must be in [0, 1], got ${p}`);
  return p;
}

/**
 * Helpers shared by the runtime's tests: seeded data, cross-backend runs and the tolerance rule
 * (|a - b| <= tol * max(1, |b|)). Not exported from the package.
 */

import type { KernelConfig } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random.js';

/** `n` seeded normal values scaled by `scale`. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal(0, scale);
  return out;
}

/** Largest |a - b| / max(1, |b|) over the elements; Infinity on a length mismatch. */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const b = expected[i] as number;
    const e = Math.abs((actual[i] as number) - b) / Math.max(1, Math.abs(b));
    // NaN must fail the comparison, not vanish in Math.max.
    if (Number.isNaN(e)) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, e);
  }
  return worst;
}

/** Runs `fn` on `backend` inside a tidy and returns copies of the outputs' values. */
export async function valuesOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`could not switch to backend ${backend}`);
  return tf.tidy(() => fn().map((t) => Float32Array.from(t.dataSync())));
}

/**
 * A scalar loss sum(y * w) with fixed seeded weights w, so the upstream gradient dy = w has no
 * symmetry that could hide an indexing error.
 */
export function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(y, tf.tensor(randomArray(y.size, seed), y.shape)));
}

/** The kernels registered right now for `backend` under `names` (capture stock ones before fixes). */
export function captureKernels(names: readonly string[], backend: string): KernelConfig[] {
  return names.map((name) => {
    const config = tf.getKernel(name, backend);
    if (config === undefined) throw new Error(`kernel ${name} is not registered for ${backend}`);
    return config;
  });
}

/** `valuesOn`, with `kernels` temporarily registered in place of whatever is registered now. */
export async function valuesWithKernels(
  backend: string,
  kernels: readonly KernelConfig[],
  fn: () => tf.Tensor[],
): Promise<Float32Array[]> {
  const saved = kernels.map((k) => tf.getKernel(k.kernelName, k.backendName));
  const swap = (configs: readonly (KernelConfig | undefined)[]) => {
    kernels.forEach((k, i) => {
      if (tf.getKernel(k.kernelName, k.backendName) !== undefined)
        tf.unregisterKernel(k.kernelName, k.backendName);
      const next = configs[i];
      if (next !== undefined) tf.registerKernel(next);
    });
  };
  swap(kernels);
  try {
    return await valuesOn(backend, fn);
  } finally {
    swap(saved);
  }
}

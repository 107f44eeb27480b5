/**
 * Helpers shared by the conv-gradient kernel tests (test-only; not exported from the package):
 * backend setup, direct kernel calls, seeded gradient runs and dilated-filter references.
 */

import type { KernelConfig } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect } from 'vitest';
import { initBackend } from '../../backend.js';
import {
  maxRelError,
  randomArray,
  valuesOn,
  valuesWithKernels,
  weightedSum,
} from '../../testing/cross-backend.js';
import { sizeOf } from '../kernel-io.js';

export type Shape4 = [number, number, number, number];

/** Initialises the backends (wasm preferred, peftkit's kernel fixes registered) before the tests. */
export function useWasmBackend(): void {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
  });
}

/** Runs kernel `name` directly, e.g. with attributes tfjs' ops never pass. */
export function kernelCall(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * Every output of `run` on `backend` is within `tol` (relative, `maxRelError`) of the same run on
 * cpu with the `stock` kernels registered (none: cpu as registered now).
 */
export async function expectMatchesStockCpu(
  backend: string,
  run: () => tf.Tensor[],
  stock: readonly KernelConfig[],
  tol = 1e-4,
): Promise<void> {
  const ref = await valuesWithKernels('cpu', stock, run);
  const got = await valuesOn(backend, run);
  for (const [i, r] of ref.entries()) expect(maxRelError(got[i]!, r), `output ${i}`).toBeLessThanOrEqual(tol);
}

/**
 * A run (for `valuesOn`) of `[dx, df]`, the gradients of `weightedSum(conv(x, f), seeds[2])` for
 * x = `randomArray(seeds[0])` and f = `randomArray(seeds[1], 0.5)`.
 */
export function convGrads(
  conv: (x: tf.Tensor, f: tf.Tensor) => tf.Tensor,
  xShape: readonly number[],
  fShape: readonly number[],
  seeds: readonly [number, number, number],
): () => tf.Tensor[] {
  const xv = randomArray(sizeOf(xShape), seeds[0]);
  const fv = randomArray(sizeOf(fShape), seeds[1], 0.5);
  return () =>
    tf.grads((x: tf.Tensor, f: tf.Tensor) => weightedSum(conv(x, f), seeds[2]))([
      tf.tensor(xv, [...xShape]),
      tf.tensor(fv, [...fShape]),
    ]);
}

/** The effective shape of a `[kh, kw, a, b]` filter dilated by `dilation`, and its tap offsets. */
function dilatedLayout(shape: Shape4, dilation: number) {
  const eff: Shape4 = [(shape[0] - 1) * dilation + 1, (shape[1] - 1) * dilation + 1, shape[2], shape[3]];
  const inner = shape[2] * shape[3];
  const tapAt = (kh: number, kw: number) => (kh * dilation * eff[1] + kw * dilation) * inner;
  return { eff, inner, tapAt };
}

/**
 * A dilated filter as the plain filter it equals: effective size, zeros between the taps (the
 * reference for kernels that stock tfjs only runs undilated).
 */
export function dilatedFilter(
  values: Float32Array,
  shape: Shape4,
  dilation: number,
): { shape: Shape4; values: Float32Array } {
  const { eff, inner, tapAt } = dilatedLayout(shape, dilation);
  const out = new Float32Array(sizeOf(eff));
  for (let kh = 0; kh < shape[0]; kh++)
    for (let kw = 0; kw < shape[1]; kw++)
      out.set(values.subarray((kh * shape[1] + kw) * inner, (kh * shape[1] + kw + 1) * inner), tapAt(kh, kw));
  return { shape: eff, values: out };
}

/** The taps of a `dilatedFilter`-sized filter gradient, as the gradient of the `shape` filter. */
export function filterTaps(full: Float32Array, shape: Shape4, dilation: number): Float32Array {
  const { inner, tapAt } = dilatedLayout(shape, dilation);
  const out = new Float32Array(sizeOf(shape));
  for (let kh = 0; kh < shape[0]; kh++)
    for (let kw = 0; kw < shape[1]; kw++)
      out.set(full.subarray(tapAt(kh, kw), tapAt(kh, kw) + inner), (kh * shape[1] + kw) * inner);
  return out;
}

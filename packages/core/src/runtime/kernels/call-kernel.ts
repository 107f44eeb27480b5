/**
 * Runs another registered kernel directly on the backend, the way tfjs backends compose kernels.
 * Nothing is recorded on the gradient tape or in the engine's tensor count: the caller owns the
 * returned TensorInfo and must return it or free it.
 */

import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

/** Calls the kernel `name` registered for `backendName` and returns its single output. */
export function callKernel(
  name: string,
  backendName: string,
  backend: unknown,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const config = tf.getKernel(name, backendName);
  if (config === undefined)
    throw new Error(`peftkit kernel: '${name}' is not registered for '${backendName}'`);
  // KernelFunc types its backend as `{}`; any object passes.
  const out = config.kernelFunc({ inputs, backend: backend ?? {}, attrs });
  if (Array.isArray(out)) {
    const first = out[0];
    if (first === undefined || out.length !== 1)
      throw new Error(`peftkit kernel: '${name}' returned ${out.length} outputs`);
    return first;
  }
  return out;
}

/** `a @ b` for 2-D `a` and `b` through the backend's own BatchMatMul (XNNPACK on wasm). */
export function matMul2d(backendName: string, backend: unknown, a: TensorInfo, b: TensorInfo): TensorInfo {
  return callKernel('BatchMatMul', backendName, backend, { a, b }, { transposeA: false, transposeB: false });
}

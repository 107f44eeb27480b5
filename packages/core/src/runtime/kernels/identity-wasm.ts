/**
 * `Identity` (`tf.clone`) for wasm that shares the input's data and counts one more reference, as
 * the cpu backend's Identity and wasm's own Reshape do. The stock wasm kernel copies the tensor
 * into a new buffer. Besides the wasted copy, that extra data id is what tfjs' `IS_TEST`
 * leak check reports: a custom-gradient op (`tf.customGrad`, and tfjs ops built on it such as
 * `logSoftmax`) that calls `save()` while a gradient is recorded clones the saved tensors inside
 * the op, so the op ends with one data id more than it returned ("Backend 'wasm' has an internal
 * memory leak (1 data ids) after running 'unnamed scope'"). The clone was never leaked (the tape
 * disposes it after backprop), but with a shared buffer the count is exact again.
 *
 * Sharing is safe because tensors are immutable: every kernel writes only to buffers it
 * allocated, and `Variable.assign` swaps data ids instead of writing in place.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { input } from './attrs.js';

const KERNEL = 'Identity';

/** What we use of `BackendWasm` (tfjs-backend-wasm 4.22.0). */
interface RefCounting {
  incRef(dataId: object): void;
}

const identity: KernelFunc = ({ inputs, backend }) => {
  const x = input(inputs, 'x', KERNEL);
  (backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

export const identityWasmConfig: KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: identity,
};

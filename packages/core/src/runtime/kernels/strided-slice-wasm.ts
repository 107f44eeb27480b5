/**
 * StridedSlice for wasm that keeps int32 and bool tensors intact. The stock wasm kernel's general
 * path (non-contiguous slices) always allocates a float32 output and copies 4-byte elements, so an
 * int32 input came back as a float32 tensor holding int bit patterns (7 read as 9.8e-45), and bool
 * inputs (1 byte per element) were read past their end. Float32 inputs go to the stock kernel
 * unchanged; int32 results are re-tagged by copying their bits into an int32 tensor; bool inputs
 * are sliced as int32 and converted back.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { input } from './attrs.js';
import { callKernel } from './call-kernel.js';
import { kernelIo } from './kernel-io.js';
import { runStockKernel, stockBehind, wrapperConfig } from './wrap-stock.js';

const KERNEL = 'StridedSlice';

let stock: KernelConfig | undefined;

const runStock = (args: Parameters<KernelFunc>[0]): TensorInfo => runStockKernel(KERNEL, stock, args);

const stridedSlice: KernelFunc = (args) => {
  const x = input(args.inputs, 'x', KERNEL);
  if (x.dtype === 'float32' || x.dtype === 'string') return runStock(args);
  const io = kernelIo(args.backend);
  const asInt = x.dtype === 'bool' ? callKernel('Cast', 'wasm', args.backend, { x }, { dtype: 'int32' }) : x;
  const sliced = runStock({ ...args, inputs: { x: asInt } });
  if (asInt !== x) io.free(asInt);
  if (sliced.dtype === x.dtype) return sliced;
  const out = io.alloc(sliced.shape, x.dtype, false);
  const src = io.view(sliced);
  const bits = new Int32Array(src.buffer, src.byteOffset, src.length);
  const dst = io.view(out);
  if (x.dtype === 'bool') {
    for (let i = 0; i < bits.length; i++) dst[i] = bits[i] === 0 ? 0 : 1;
  } else {
    dst.set(bits);
  }
  io.free(sliced);
  return out;
};

/** The dtype-preserving StridedSlice wrapping `current` (the stock wasm kernel). */
export function stridedSliceWasmConfig(current: KernelConfig): KernelConfig {
  const original = stockBehind(current);
  stock = original;
  return wrapperConfig(stridedSlice, original);
}

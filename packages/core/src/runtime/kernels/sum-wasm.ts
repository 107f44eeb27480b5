/**
 * Sum for wasm when the reduced axes lead the shape (`[N, C]` over axis 0, `[B, T, C]` over
 * axes 0 and 1). That is the gradient of every broadcast bias add and of every per-feature scale
 * (IA3's vectors, LayerNorm's gamma and beta). The stock kernel first transposes the reduced axes
 * to the end through wasm's generic Transpose (~25 ns per element), which cost more than the
 * reduction itself: on the reference step it made IA3's feed-forward vector gradient
 * (`[16, 64, 1024]` summed over 0 and 1) cost about as much as a 256x1024x1024 matMul. Here the
 * sum is the product `ones[1, rows] @ x[rows, cols]` through the registered BatchMatMul (native
 * GEMM when that path is on, else XNNPACK): no transpose, and 5-30x faster than the stock kernel
 * (a plain JavaScript loop over the rows was only 2-3x faster). Other reductions and non-float32
 * inputs go to the stock kernel.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { boolAttr, input } from './attrs.js';
import { matMul2d } from './call-kernel.js';
import { kernelIo, sizeOf } from './kernel-io.js';
import { runStockKernel, stockBehind, wrapperConfig } from './wrap-stock.js';

const KERNEL = 'Sum';

let stock: KernelConfig | undefined;

const runStock = (args: Parameters<KernelFunc>[0]): TensorInfo => runStockKernel(KERNEL, stock, args);

/** How many leading axes `axes` reduces, or 0 when it is not exactly a leading block short of the last axis. */
function leadingAxes(axis: unknown, shape: number[]): number {
  if (typeof axis !== 'number' && !Array.isArray(axis)) return 0;
  const axes = [...new Set(tf.util.parseAxisParam(axis as number | number[], shape))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

const sum: KernelFunc = (args) => {
  const x = input(args.inputs, 'x', KERNEL);
  const lead = x.dtype === 'float32' ? leadingAxes(args.attrs?.axis, x.shape) : 0;
  if (lead === 0) return runStock(args);
  const rows = sizeOf(x.shape.slice(0, lead));
  const inner = x.shape.slice(lead);
  const cols = sizeOf(inner);
  if (rows === 0 || cols === 0) return runStock(args);
  const io = kernelIo(args.backend);
  const ones = io.alloc([1, rows], 'float32', false);
  io.view(ones).fill(1);
  // A view of x's buffer as [rows, cols]: the kernel only reads it.
  const x2d: TensorInfo = { dataId: x.dataId, shape: [rows, cols], dtype: 'float32' };
  const product = matMul2d('wasm', args.backend, ones, x2d);
  io.free(ones);
  // The product's buffer is new and ours: hand it out under the reduced shape.
  const keepDims = boolAttr(args.attrs, 'keepDims', false);
  return { ...product, shape: keepDims ? [...new Array<number>(lead).fill(1), ...inner] : inner };
};

/** The leading-axes Sum wrapping `current` (the stock wasm kernel). */
export function sumWasmConfig(current: KernelConfig): KernelConfig {
  const original = stockBehind(current);
  stock = original;
  return wrapperConfig(sum, original);
}

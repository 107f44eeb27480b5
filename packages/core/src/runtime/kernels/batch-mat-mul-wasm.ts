/**
 * BatchMatMul for wasm that keeps every multiplication on the one fast path of the stock kernel:
 * a single, non-transposed 2-D product (XNNPACK, 10-30 GFLOP/s here). The stock kernel runs
 * transposed or batched products at 1-2 GFLOP/s. So this wrapper
 *   - transposes operands explicitly (a tiled copy in JS) instead of passing transpose flags,
 *   - folds the batch of `a` into rows when `b` is shared ([B,T,in] @ [in,out], every Linear on a
 *     sequence): one 2-D product,
 *   - splits a real batch (attention's [B*H,T,d] @ [B*H,d,T]) into per-slice 2-D products.
 * Everything else (tiny slices, where call overhead dominates; batches broadcast on both sides;
 * non-float32) goes to the stock kernel unchanged.
 *
 * When the native path is enabled (`native/`), float32 products run on onnxruntime's GEMM first and
 * none of the above happens.
 */

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { runNativeMatMul } from '../native/native-matmul.js';
import { boolAttr, input } from './attrs.js';
import { type KernelIo, kernelIo, sizeOf } from './kernel-io.js';
import { stockBehind, wrapperConfig } from './wrap-stock.js';

const KERNEL = 'BatchMatMul';

let stock: KernelConfig | undefined;

/** Per-slice multiply-adds below which a batch stays on the stock batched kernel. */
let minSliceWork = 32 * 32 * 32;

/** Same data, another shape: matMul inputs and outputs are contiguous row-major buffers. */
function relabel(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Copies `t` ([batch, rows, cols] in memory) transposed to a new [batch, cols, rows] tensor. */
function transposeLast2(io: KernelIo, t: TensorInfo, batch: number, rows: number, cols: number): TensorInfo {
  const out = io.alloc([batch, cols, rows], 'float32', false);
  const s = io.view(t);
  const d = io.view(out);
  const tile = 32; // keeps both the read rows and the written columns in cache
  for (let p = 0; p < batch; p++) {
    const base = p * rows * cols;
    for (let i0 = 0; i0 < rows; i0 += tile) {
      const iEnd = Math.min(rows, i0 + tile);
      for (let j0 = 0; j0 < cols; j0 += tile) {
        const jEnd = Math.min(cols, j0 + tile);
        for (let i = i0; i < iEnd; i++) {
          const src = base + i * cols;
          for (let j = j0; j < jEnd; j++) d[base + j * rows + i] = s[src + j] as number;
        }
      }
    }
  }
  return out;
}

function plain2d(base: KernelConfig, backend: unknown, a: TensorInfo, b: TensorInfo): TensorInfo {
  const out = base.kernelFunc({
    inputs: { a, b },
    backend: backend ?? {},
    attrs: { transposeA: false, transposeB: false },
  });
  if (Array.isArray(out)) throw new Error(`${KERNEL}: stock kernel returned ${out.length} outputs`);
  return out;
}

/** out[p] = a[p or 0] @ b[p or 0] for p < batch, one stock 2-D call per slice. */
function perSlice(
  io: KernelIo,
  base: KernelConfig,
  backend: unknown,
  a: TensorInfo,
  b: TensorInfo,
  dims: { batch: number; batchA: number; batchB: number; m: number; k: number; n: number },
): TensorInfo {
  const { batch, batchA, batchB, m, k, n } = dims;
  const out = io.alloc([batch, m, n], 'float32', false);
  const sliceA = batchA > 1 ? io.alloc([m, k], 'float32', false) : relabel(a, [m, k]);
  for (let p = 0; p < batch; p++) {
    if (batchA > 1) io.view(sliceA).set(io.view(a).subarray(p * m * k, (p + 1) * m * k));
    // A fresh tensor per slice for b: XNNPACK caches the packed right-hand matrix by tensor id
    // until that tensor is disposed, so refilling one buffer would reuse stale weights.
    const sliceB = batchB > 1 ? io.alloc([k, n], 'float32', false) : relabel(b, [k, n]);
    if (batchB > 1) io.view(sliceB).set(io.view(b).subarray(p * k * n, (p + 1) * k * n));
    const r = plain2d(base, backend, sliceA, sliceB);
    if (batchB > 1) io.free(sliceB);
    // Views are taken after the allocation inside plain2d, which may have grown the heap.
    io.view(out).set(io.view(relabel(r, [m * n])), p * m * n);
    io.free(r);
  }
  if (batchA > 1) io.free(sliceA);
  return out;
}

const batchMatMul: KernelFunc = (args) => {
  const base = stock;
  if (base === undefined) throw new Error(`${KERNEL}: the stock wasm kernel was not captured`);
  const { inputs, backend, attrs } = args;
  const a = input(inputs, 'a', KERNEL);
  const b = input(inputs, 'b', KERNEL);
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2) return base.kernelFunc(args);
  const tA = boolAttr(attrs, 'transposeA', false);
  const tB = boolAttr(attrs, 'transposeB', false);
  const native = runNativeMatMul(kernelIo(backend), { a, b, transposeA: tA, transposeB: tB });
  if (native !== undefined) return native;
  const m = (tA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
  const k = (tA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
  const kb = (tB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
  const n = (tB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const folds = batchB === 1;
  // Only batches that line up slice for slice ([3,1] x [1,3] broadcasts to 9 products).
  const aligned = sizeOf(outBatch) === Math.max(batchA, batchB) && (batchA === 1 || batchA === batchB);
  const splits = !folds && aligned && m * k * n >= minSliceWork;
  // Mismatched inner sizes are left to the stock kernel for its error message.
  if (k !== kb || (!folds && !splits)) return base.kernelFunc(args);

  const io = kernelIo(backend);
  const a2 = tA ? transposeLast2(io, a, batchA, k, m) : a;
  const b2 = tB ? transposeLast2(io, b, batchB, n, k) : b;
  const out = folds
    ? plain2d(base, backend, relabel(a2, [batchA * m, k]), relabel(b2, [k, n]))
    : perSlice(io, base, backend, a2, b2, { batch: Math.max(batchA, batchB), batchA, batchB, m, k, n });
  if (tA) io.free(a2);
  if (tB) io.free(b2);
  return relabel(out, [...outBatch, m, n]);
};

/**
 * The fast BatchMatMul wrapping `stockConfig` (the kernel tfjs-backend-wasm registered). Its setup
 * runs the stock setup, which binds the native function the wrapper delegates to.
 */
export function batchMatMulWasmConfig(current: KernelConfig): KernelConfig {
  const original = stockBehind(current);
  stock = original;
  return wrapperConfig(batchMatMul, original);
}

/** Sets the per-slice work threshold for splitting batches; returns the previous value. */
export function setMinSliceWork(multiplyAdds: number): number {
  const previous = minSliceWork;
  minSliceWork = multiplyAdds;
  return previous;
}

/**
 * Erf and Exp of the wasm backend on onnxruntime's vectorised CPU kernels when the native matMul
 * path is on. tfjs' wasm build evaluates both one element at a time through its C library (Erf
 * costs as much as 16 same-size multiplies), and they are the largest elementwise kernels of a
 * transformer training step: exact GELU runs Erf on the widest activation (`[B, T, ffn]`) in the
 * forward pass and again when its backward recomputes it, and Erf's gradient runs Exp on it. A
 * JavaScript loop (`Math.exp`) was measured 2x slower than the stock kernels, so without the
 * native path, for other dtypes and for small tensors the stock kernel runs.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { nativeUnarySession } from '../native/native-matmul.js';
import { input } from './attrs.js';
import { kernelIo, sizeOf } from './kernel-io.js';
import { runStockKernel, stockBehind, wrapperConfig } from './wrap-stock.js';

/** Below this many elements the native call's fixed cost (~15 us) outweighs the gain. */
const MIN_NATIVE_ELEMENTS = 1024;

function unaryNativeWasm(kernelName: 'Erf' | 'Exp') {
  let stock: KernelConfig | undefined;
  const runStock = (args: Parameters<KernelFunc>[0]): TensorInfo => runStockKernel(kernelName, stock, args);
  const kernelFunc: KernelFunc = (args) => {
    const x = input(args.inputs, 'x', kernelName);
    const n = sizeOf(x.shape);
    if (x.dtype !== 'float32' || n < MIN_NATIVE_ELEMENTS) return runStock(args);
    const session = nativeUnarySession(kernelName);
    if (session === undefined) return runStock(args);
    const io = kernelIo(args.backend);
    const out = io.alloc(x.shape, 'float32', false);
    // Views right before the call: the allocation above may have grown the heap.
    const xs = io.view(x);
    const ys = io.view(out);
    if (!(xs instanceof Float32Array) || !(ys instanceof Float32Array)) {
      io.free(out);
      return runStock(args);
    }
    try {
      session.run(
        { X: { location: 'cpu', type: 'float32', dims: [n], data: xs } },
        { Y: { location: 'cpu', type: 'float32', dims: [n], data: ys } },
        {},
      );
    } catch (err) {
      io.free(out);
      throw err;
    }
    return out;
  };
  return (current: KernelConfig): KernelConfig => {
    stock = stockBehind(current);
    return wrapperConfig(kernelFunc, stock);
  };
}

/** Erf on onnxruntime when the native path is on, wrapping `current` (the stock wasm kernel). */
export const erfWasmConfig = unaryNativeWasm('Erf');

/** Exp on onnxruntime when the native path is on, wrapping `current` (the stock wasm kernel). */
export const expWasmConfig = unaryNativeWasm('Exp');

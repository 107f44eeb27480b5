/**
 * `_FusedMatMul` (`tf.fused.matMul`) for wasm: a product with no activation (and at most a bias of
 * size n) runs on the native GEMM when that path is enabled, the bias added by Gemm itself.
 * Everything else, and everything when the native path is off, goes to the stock kernel.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { runNativeMatMul } from '../native/native-matmul.js';
import { boolAttr, input } from './attrs.js';
import { kernelIo } from './kernel-io.js';
import { stockBehind, wrapperConfig } from './wrap-stock.js';

const KERNEL = '_FusedMatMul';

/** The native-first `_FusedMatMul` wrapping the stock wasm kernel. */
export function fusedMatMulWasmConfig(current: KernelConfig): KernelConfig {
  const stock = stockBehind(current);
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const activation = attrs?.['activation'] ?? 'linear';
    if (activation === 'linear' && inputs['preluActivationWeights'] == null) {
      const bias = inputs['bias'];
      const out = runNativeMatMul(kernelIo(backend), {
        a: input(inputs, 'a', KERNEL),
        b: input(inputs, 'b', KERNEL),
        transposeA: boolAttr(attrs, 'transposeA', false),
        transposeB: boolAttr(attrs, 'transposeB', false),
        ...(bias == null ? {} : { bias }),
      });
      if (out !== undefined) return out;
    }
    return stock.kernelFunc(args);
  };
  return wrapperConfig(kernelFunc, stock);
}

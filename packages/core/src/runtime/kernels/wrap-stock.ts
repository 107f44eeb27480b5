/**
 * Support for kernels that wrap the stock kernel they replace and delegate to it. The wrapper
 * forwards the stock setup (the wasm kernels bind their native function there), and records what
 * it wraps under a process-wide key so that a second copy of peftkit (bundling, test module
 * resets) unwraps to the stock kernel instead of wrapping a wrapper.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

const WRAPS = Symbol.for('peftkit.runtime.wrapsKernel');

function isKernelConfig(v: unknown): v is KernelConfig {
  return typeof v === 'object' && v !== null && typeof Reflect.get(v, 'kernelFunc') === 'function';
}

/** The stock kernel behind `current`: itself, or what a peftkit wrapper wraps. */
export function stockBehind(current: KernelConfig): KernelConfig {
  const wrapped: unknown = Reflect.get(current, WRAPS);
  return isKernelConfig(wrapped) ? wrapped : current;
}

/** A config for `kernelFunc` that delegates to `stock`, forwarding its setup and dispose hooks. */
export function wrapperConfig(kernelFunc: KernelFunc, stock: KernelConfig): KernelConfig {
  const config: KernelConfig = {
    kernelName: stock.kernelName,
    backendName: stock.backendName,
    kernelFunc,
    ...(stock.setupFunc ? { setupFunc: stock.setupFunc } : {}),
    ...(stock.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
  };
  Reflect.set(config, WRAPS, stock);
  return config;
}

/**
 * Runs the stock kernel a wrapper captured (`undefined` until its config was built), for kernels
 * with one output: the wrappers' fallback path.
 */
export function runStockKernel(
  kernelName: string,
  stock: KernelConfig | undefined,
  args: Parameters<KernelFunc>[0],
): TensorInfo {
  if (stock === undefined) throw new Error(`${kernelName}: the stock wasm kernel was not captured`);
  const out = stock.kernelFunc(args);
  if (Array.isArray(out)) throw new Error(`${kernelName}: stock kernel returned ${out.length} outputs`);
  return out;
}

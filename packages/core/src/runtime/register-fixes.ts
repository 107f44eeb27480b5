/**
 * Registers peftkit's kernel and gradient fixes with tfjs. See docs/runtime.md for why each exists
 * and what was measured.
 *
 * Kernel fixes for a backend are registered only once that backend's package has been imported:
 * importing @tensorflow/tfjs-backend-wasm registers its stock kernels, and doing that after us would
 * overwrite our fixes. `initBackend()` imports the backend first and then calls this, so call
 * `registerKernelFixes()` yourself only if you set up backends by hand (and after importing them).
 */

import type { GradConfig, KernelConfig } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { batchMatMulGradConfig } from './gradients/batch-mat-mul-grad.js';
import { comparisonGradConfigs } from './gradients/comparison-grads.js';
import { stridedSliceGradConfig } from './gradients/strided-slice-grad.js';
import { batchMatMulWasmConfig } from './kernels/batch-mat-mul-wasm.js';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter.js';
import { conv2DBackpropInputWasmConfig } from './kernels/conv2d-backprop-input.js';
import { conv3DBackpropFilterWasmConfig } from './kernels/conv3d-backprop-filter.js';
import { conv3DBackpropInputWasmConfig } from './kernels/conv3d-backprop-input.js';
import { depthwiseBackpropFilterConfig } from './kernels/depthwise-backprop-filter.js';
import { depthwiseBackpropInputWasmConfig } from './kernels/depthwise-backprop-input.js';
import { fusedMatMulWasmConfig } from './kernels/fused-mat-mul-wasm.js';
import { identityWasmConfig } from './kernels/identity-wasm.js';
import { maxPool3DGradWasmConfig, maxPoolGradConfig } from './kernels/max-pool-grad.js';
import { stridedSliceWasmConfig } from './kernels/strided-slice-wasm.js';
import { sumWasmConfig } from './kernels/sum-wasm.js';
import { erfWasmConfig, expWasmConfig } from './kernels/unary-native-wasm.js';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum.js';

/**
 * A kernel to install. `config` receives the kernel currently registered, for fixes that wrap it,
 * and returns undefined when there is nothing to fix (no stock kernel to wrap).
 */
interface KernelFix {
  kernelName: string;
  backendName: string;
  config(current: KernelConfig | undefined): KernelConfig | undefined;
}

/** A wrapping fix, skipped when the backend registered no stock kernel to wrap. */
function wraps(kernelName: string, make: (stock: KernelConfig) => KernelConfig): KernelFix {
  return {
    kernelName,
    backendName: 'wasm',
    config: (current) => (current === undefined ? undefined : make(current)),
  };
}

function replaces(config: KernelConfig): KernelFix {
  return { kernelName: config.kernelName, backendName: config.backendName, config: () => config };
}

const KERNEL_FIXES: readonly KernelFix[] = [
  replaces(unsortedSegmentSumConfig('wasm')),
  replaces(unsortedSegmentSumConfig('cpu')),
  ...(['wasm', 'cpu'] as const).map(
    (backendName): KernelFix => ({
      kernelName: 'Conv2DBackpropFilter',
      backendName,
      config: (current) => conv2DBackpropFilterConfig(backendName, current),
    }),
  ),
  wraps('Conv2DBackpropInput', conv2DBackpropInputWasmConfig),
  replaces(depthwiseBackpropInputWasmConfig),
  replaces(depthwiseBackpropFilterConfig('wasm')),
  replaces(depthwiseBackpropFilterConfig('cpu')),
  replaces(maxPoolGradConfig('wasm')),
  replaces(maxPoolGradConfig('cpu')),
  replaces(maxPool3DGradWasmConfig),
  replaces(conv3DBackpropInputWasmConfig),
  replaces(conv3DBackpropFilterWasmConfig),
  wraps('BatchMatMul', batchMatMulWasmConfig),
  wraps('_FusedMatMul', fusedMatMulWasmConfig),
  wraps('StridedSlice', stridedSliceWasmConfig),
  replaces(identityWasmConfig),
  wraps('Sum', sumWasmConfig),
  wraps('Erf', erfWasmConfig),
  wraps('Exp', expWasmConfig),
];

const GRADIENT_FIXES: readonly GradConfig[] = [
  batchMatMulGradConfig,
  stridedSliceGradConfig,
  ...comparisonGradConfigs,
];

function installKernel(fix: KernelFix): boolean {
  const current = tf.getKernel(fix.kernelName, fix.backendName);
  const config = fix.config(current);
  if (config === undefined) return false;
  if (current?.kernelFunc === config.kernelFunc) return true;
  // registerKernel warns when it overwrites, so remove the stock kernel first.
  if (current !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
  return true;
}

function installGradient(config: GradConfig): void {
  const current = tf.getGradient(config.kernelName);
  if (current?.gradFunc === config.gradFunc) return;
  if (current !== undefined) tf.unregisterGradient(config.kernelName);
  tf.registerGradient(config);
}

/**
 * Registers every fix whose backend is registered with tfjs; idempotent. Returns the names of the
 * fixes now in place: `Kernel@backend` for kernels, `gradient:Kernel` for gradients.
 */
export function registerKernelFixes(): string[] {
  const names: string[] = [];
  for (const fix of KERNEL_FIXES) {
    if (tf.findBackendFactory(fix.backendName) === null) continue;
    if (installKernel(fix)) names.push(`${fix.kernelName}@${fix.backendName}`);
  }
  for (const config of GRADIENT_FIXES) {
    installGradient(config);
    names.push(`gradient:${config.kernelName}`);
  }
  return names;
}

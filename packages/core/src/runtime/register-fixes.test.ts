import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { registerKernelFixes } from './register-fixes.js';

describe('registerKernelFixes', () => {
  it('skips wasm kernel fixes until the wasm backend package is loaded', () => {
    const names = registerKernelFixes();
    if (tf.findBackendFactory('wasm') === null) {
      expect(names.some((n) => n.endsWith('@wasm'))).toBe(false);
    }
    expect(names).toEqual(expect.arrayContaining(['UnsortedSegmentSum@cpu', 'gradient:BatchMatMul']));
  });

  it('replaces stock kernels without warnings and is idempotent', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const first = registerKernelFixes();
      const installed = {
        maxPoolGrad: tf.getKernel('MaxPoolGrad', 'wasm'),
        batchMatMul: tf.getKernel('BatchMatMul', 'wasm'),
        gradient: tf.getGradient('BatchMatMul'),
      };
      const second = registerKernelFixes();
      expect(second).toEqual(first);
      expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(installed.maxPoolGrad);
      expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(installed.batchMatMul);
      expect(tf.getGradient('BatchMatMul')).toBe(installed.gradient);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).not.toBe(stockMaxPoolGrad);
    // Wrappers keep the stock setup, which binds the native function they delegate to.
    expect(tf.getKernel('BatchMatMul', 'wasm')?.setupFunc).toBeTypeOf('function');
    expect(registerKernelFixes()).toEqual(
      expect.arrayContaining([
        'UnsortedSegmentSum@wasm',
        'Conv2DBackpropFilter@wasm',
        'DepthwiseConv2dNativeBackpropInput@wasm',
        'DepthwiseConv2dNativeBackpropFilter@wasm',
        'MaxPoolGrad@wasm',
        'BatchMatMul@wasm',
        'StridedSlice@wasm',
        'Identity@wasm',
      ]),
    );
  });
});

import type { KernelConfig } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { nativeMatMulActive, setNativeMatMulActive } from '../native/index.js';
import { captureKernels, maxRelError, randomArray } from '../testing/cross-backend.js';

// Stock wasm kernels, captured before initBackend registers the fixes, are the reference.
let stock: Record<'Sum', KernelConfig>;
let nativeAvailable = false;
beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  const [Sum] = captureKernels(['Sum'], 'wasm') as KernelConfig[];
  stock = { Sum: Sum! };
  await initBackend({ prefer: 'wasm' });
  nativeAvailable = nativeMatMulActive();
});

/** Runs `fn` with the stock kernel `name` registered instead of peftkit's, then restores ours. */
function withStock<T>(name: keyof typeof stock, fn: () => T): T {
  const ours = tf.getKernel(name, 'wasm') as KernelConfig;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(stock[name]);
  try {
    return fn();
  } finally {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(ours);
  }
}

const randn = (shape: number[], seed: number, scale = 1) =>
  tf.tensor(
    randomArray(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ),
    shape,
  );

/** Runs `fn` on wasm's own matMul and, when onnxruntime-node is usable, on the native one. */
function onEachMatMulPath(fn: () => void): void {
  const before = nativeMatMulActive();
  try {
    for (const native of nativeAvailable ? [false, true] : [false]) {
      setNativeMatMulActive(native);
      fn();
    }
  } finally {
    setNativeMatMulActive(before);
  }
}

describe('Sum over leading axes (wasm)', () => {
  it('is registered in place of the stock kernel', () => {
    expect(tf.getKernel('Sum', 'wasm')?.kernelFunc).not.toBe(stock.Sum.kernelFunc);
  });

  const cases: [number[], number | number[], boolean][] = [
    [[37, 5], 0, false],
    [[3, 7, 11], [0, 1], false],
    [[3, 7, 11], [1, 0], true],
    [[4, 5, 6, 3], [-4, 1, 2], false],
    [[6, 9], -2, true],
    // Not a leading block: the stock kernel runs, same answer.
    [[3, 7, 11], [0, 2], false],
    [[3, 7, 11], 2, false],
    [[5, 4], [0, 1], false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims} matches the stock kernel`, () => {
      const x = randn(shape, shape.length * 10 + shape[0]!);
      const ref = withStock('Sum', () => tf.sum(x, axis, keepDims));
      onEachMatMulPath(() => {
        const ours = tf.sum(x, axis, keepDims);
        expect(ours.shape).toEqual(ref.shape);
        expect(ours.dtype).toBe('float32');
        expect(maxRelError(ours.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
        ours.dispose();
      });
      // The input is untouched (the product only reads it).
      expect(maxRelError(x.dataSync(), randn(shape, shape.length * 10 + shape[0]!).dataSync())).toBe(0);
      tf.dispose([x, ref]);
    });
  }

  it('sums a large [B, T, C] over B and T like the stock kernel (float32 accumulation)', () => {
    const x = randn([16, 64, 96], 5, 3);
    const ref = withStock('Sum', () => tf.sum(x, [0, 1]));
    onEachMatMulPath(() => {
      const ours = tf.sum(x, [0, 1]);
      expect(maxRelError(ours.dataSync(), ref.dataSync())).toBeLessThan(1e-4);
      ours.dispose();
    });
    tf.dispose([x, ref]);
  });

  it('keeps int32 sums on the stock kernel (exact integers)', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const s = tf.sum(x, 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.dataSync())).toEqual([9, 12]);
    tf.dispose([x, s]);
  });

  it('gives the gradient of a broadcast scale (IA3) and bias the stock kernels give, without leaking', () => {
    const x = randn([4, 8, 16], 1);
    const l = randn([16], 2);
    const b = randn([16], 3);
    const w = randn([4, 8, 16], 4);
    const f = (lv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.mul(x, lv), bv), w));
    const run = () => tf.grads(f)([l, b]);
    const ref = withStock('Sum', run);
    onEachMatMulPath(() => {
      const ours = run();
      for (let i = 0; i < 2; i++)
        expect(maxRelError(ours[i]!.dataSync(), ref[i]!.dataSync())).toBeLessThan(1e-6);
      tf.dispose(ours);
      const before = { tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() };
      for (let i = 0; i < 3; i++) tf.dispose(run());
      expect({ tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() }).toEqual(before);
    });
    tf.dispose(ref);
    tf.dispose([x, l, b, w]);
  });
});

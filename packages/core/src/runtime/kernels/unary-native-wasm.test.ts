import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { enableNativeMatMul } from '../native/enable-native.js';
import { maxRelError, randomArray } from '../testing/cross-backend.js';
import { onAndOff } from '../testing/native-on-off.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  // As native-matmul.test.ts: exercise the native path even under PEFTKIT_NATIVE=0.
  const report = enableNativeMatMul({});
  expect(report.enabled, report.reason).toBe(true);
});

afterAll(() => {
  enableNativeMatMul(process.env);
});

/** Values over the range where erf and exp are not saturated, plus edge cases; >= 1024 so the native path runs. */
function grid(): tf.Tensor1D {
  const v: number[] = [
    0,
    -0,
    1e-30,
    -1e-8,
    1e-4,
    0.5,
    -0.5,
    6,
    -6,
    30,
    -30,
    88,
    89,
    -104,
    Infinity,
    -Infinity,
    NaN,
  ];
  for (let i = -6000; i <= 6000; i++) v.push(i / 1000);
  return tf.tensor1d(v);
}

function expectClose(a: Float32Array, b: Float32Array, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    const w = b[i] as number;
    const n = a[i] as number;
    if (!Number.isFinite(w)) expect(n, `element ${i}`).toBe(w);
    else
      expect(Math.abs(n - w) / Math.max(Math.abs(w), 1e-30), `element ${i}: ${n} vs ${w}`).toBeLessThan(tol);
  }
}

describe('Erf and Exp on onnxruntime (wasm backend, native path on)', () => {
  it('Exp agrees with the stock wasm kernel to 1e-6 relative, including overflow, underflow and NaN', () => {
    const r = onAndOff(() => [tf.exp(grid())]);
    expect(r.native[0]).not.toEqual(r.wasm[0]); // different implementations: the native one ran
    expectClose(r.native[0]!, r.wasm[0]!, 1e-6);
  });

  it('Erf agrees with the stock wasm kernel to 2e-7 absolute and 1e-6 relative near 0', () => {
    const r = onAndOff(() => [tf.erf(grid())]);
    const [n, w] = [r.native[0]!, r.wasm[0]!];
    for (let i = 0; i < w.length; i++) {
      if (Number.isNaN(w[i]!)) expect(n[i]).toBeNaN();
      else expect(Math.abs(n[i]! - w[i]!), `element ${i}`).toBeLessThan(2e-7);
    }
    const tiny = onAndOff(() => [tf.erf(tf.fill([2048], 3e-6))]);
    expectClose(tiny.native[0]!, tiny.wasm[0]!, 1e-6);
  });

  it('exact GELU and its gradient agree with the wasm path', () => {
    const x = tf.tensor(randomArray(16 * 128, 3, 3), [16, 128]);
    const gelu = (v: tf.Tensor) => tf.mul(tf.mul(v, 0.5), tf.add(tf.erf(tf.mul(v, Math.SQRT1_2)), 1));
    const r = onAndOff(() => {
      const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => tf.sum(tf.mul(gelu(v), v)))(x);
      return [value, grad];
    });
    for (let i = 0; i < 2; i++) expect(maxRelError(r.native[i]!, r.wasm[i]!)).toBeLessThan(1e-6);
    x.dispose();
  });

  it('small tensors and int32 inputs take the stock kernels; nothing leaks', () => {
    const small = onAndOff(() => [tf.exp(tf.tensor1d([0.1, -2, 3]))]);
    expect(small.native[0]).toEqual(small.wasm[0]);
    const ints = tf.exp(tf.range(0, 2048, 1, 'int32'));
    expect(maxRelError(ints.dataSync().slice(0, 3), [1, Math.E, Math.E ** 2])).toBeLessThan(1e-6);
    ints.dispose();
    const x = grid();
    const before = { tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() };
    for (let i = 0; i < 3; i++) tf.dispose([tf.exp(x), tf.erf(x)]);
    expect({ tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() }).toEqual(before);
    x.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { maxRelError, randomArray, valuesOn, weightedSum } from '../testing/cross-backend.js';
import { onAndOff } from '../testing/native-on-off.js';
import { enableNativeMatMul, threadsFromEnv } from './enable-native.js';
import { nativeMatMulActive, setNativeMatMulActive } from './native-matmul.js';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const COMBOS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** op(A) [..., m, k] @ op(B) [..., k, n] operand shapes. */
function shapes(aBatch: number[], bBatch: number[], tA: boolean, tB: boolean, [m, k, n]: number[]) {
  return {
    a: [...aBatch, ...(tA ? [k, m] : [m, k])] as number[],
    b: [...bBatch, ...(tB ? [n, k] : [k, n])] as number[],
  };
}

const CASES = [
  { name: '2-D odd', a: [], b: [], dims: [37, 29, 23] },
  { name: '3-D x 2-D (folded into one Gemm)', a: [3], b: [], dims: [9, 13, 7] },
  { name: '4-D x 3-D with batch 1', a: [2, 3], b: [1], dims: [5, 8, 6] },
  { name: 'equal batches', a: [4], b: [4], dims: [33, 34, 35] },
  { name: 'rank 4 batches', a: [2, 3], b: [2, 3], dims: [11, 6, 9] },
  { name: '2-D x 3-D (shared a)', a: [], b: [3], dims: [13, 10, 11] },
  { name: 'broadcast [2,3] x [1,3]', a: [2, 3], b: [1, 3], dims: [5, 7, 3] },
  { name: 'tiny', a: [2], b: [2], dims: [1, 1, 1] },
] as const;

function expectAgree(r: { native: Float32Array[]; wasm: Float32Array[] }): void {
  expect(r.native).toHaveLength(r.wasm.length);
  r.wasm.forEach((w, i) => {
    expect(maxRelError(r.native[i] as Float32Array, w)).toBeLessThanOrEqual(1e-4);
  });
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  // An empty environment: these tests exercise the native path even when the suite runs with
  // PEFTKIT_NATIVE=0 (onnxruntime-node is an optional dependency and installs from the registry).
  const report = enableNativeMatMul({});
  expect(report.enabled, report.reason).toBe(true);
});

afterAll(() => {
  enableNativeMatMul(process.env);
});

describe('native matMul (onnxruntime-node) against the wasm kernels', () => {
  it('reports the version and threads it runs with', () => {
    const report = enableNativeMatMul({ PEFTKIT_THREADS: '1' });
    expect(report).toMatchObject({ enabled: true, threads: 1, onnxruntimeVersion: '1.30.0' });
    expect(enableNativeMatMul({}).threads).toBe(threadsFromEnv({}));
    expect(nativeMatMulActive()).toBe(true);
  });

  for (const c of CASES) {
    for (const [tA, tB] of COMBOS) {
      it(`${c.name}, transposeA=${tA}, transposeB=${tB}: forward and gradients agree`, () => {
        const s = shapes([...c.a], [...c.b], tA, tB, [...c.dims]);
        const av = randomArray(size(s.a), 1);
        const bv = randomArray(size(s.b), 2);
        expectAgree(
          onAndOff(() => {
            const a = tf.tensor(av, s.a);
            const b = tf.tensor(bv, s.b);
            const y = tf.matMul(a, b, tA, tB);
            const [da, db] = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
              weightedSum(tf.matMul(x, w, tA, tB), 3),
            )([a, b]);
            return [y, da as tf.Tensor, db as tf.Tensor];
          }),
        );
      });
    }
  }

  it('materialises no transpose in the matMul gradient, unlike the wasm path', async () => {
    const kernelsOf = async (on: boolean) => {
      setNativeMatMulActive(on);
      const a = tf.tensor(randomArray(3 * 8 * 5, 4), [3, 8, 5]);
      const w = tf.tensor(randomArray(6 * 5, 5), [6, 5]);
      const q = tf.tensor(randomArray(3 * 7 * 5, 6), [3, 7, 5]);
      const info = await tf.profile(() => {
        const [da, dw] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          weightedSum(tf.matMul(tf.matMul(x, y, false, true), tf.matMul(q, y, false, true), false, true), 7),
        )([a, w]);
        return [da as tf.Tensor, dw as tf.Tensor];
      });
      tf.dispose([a, w, q]);
      setNativeMatMulActive(true);
      return info.kernels.map((k) => k.name);
    };
    const native = await kernelsOf(true);
    const wasm = await kernelsOf(false);
    expect(native.filter((n) => n === 'Transpose')).toEqual([]);
    expect(wasm.filter((n) => n === 'Transpose').length).toBeGreaterThan(0);
  });

  it('_FusedMatMul with a bias runs natively and matches cpu, where the stock wasm kernel is wrong', async () => {
    const av = randomArray(2 * 9 * 6, 8);
    const bv = randomArray(6 * 5, 9);
    const cv = randomArray(5, 10);
    const run = () => {
      const x = tf.tensor(av, [2, 9, 6]);
      const w = tf.tensor(bv, [6, 5]);
      const c = tf.tensor(cv, [5]);
      return [
        tf.fused.matMul({ a: x, b: w, bias: c }),
        tf.fused.matMul({ a: tf.reshape(x, [18, 6]), b: tf.transpose(w), transposeB: true, bias: c }),
      ];
    };
    const ref = await valuesOn('cpu', run);
    await tf.setBackend('wasm');
    const { native, wasm } = onAndOff(run);
    native.forEach((got, i) => {
      expect(maxRelError(got, ref[i] as Float32Array)).toBeLessThanOrEqual(1e-4);
    });
    // tfjs 4.22.0's wasm _FusedMatMul adds a bias wrongly to batched (3-D) or transposed products.
    // This fails once tfjs fixes it.
    expect(maxRelError(wasm[0] as Float32Array, ref[0] as Float32Array)).toBeGreaterThan(1e-2);
  });

  it('reads its operands after allocating the output, so a heap growth during the call is safe', () => {
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    const before = heap();
    // An output larger than the whole current heap forces the allocation to grow it.
    const side = Math.ceil(Math.sqrt(before / 4)) + 64;
    const av = randomArray(side * 3, 11);
    const bv = randomArray(3 * side, 12);
    const a = tf.tensor(av, [side, 3]);
    const b = tf.tensor(bv, [3, side]);
    const y = tf.matMul(a, b);
    expect(heap()).toBeGreaterThan(before);
    const got = y.dataSync();
    for (const [i, j] of [
      [0, 0],
      [side - 1, side - 1],
      [17, side - 5],
      [side - 3, 2],
    ] as [number, number][]) {
      let want = 0;
      for (let k = 0; k < 3; k++) want += (av[i * 3 + k] as number) * (bv[k * side + j] as number);
      expect(Math.abs((got[i * side + j] as number) - want)).toBeLessThanOrEqual(
        1e-4 * Math.max(1, Math.abs(want)),
      );
    }
    tf.dispose([a, b, y]);
  });

  it('leaves no tensors or wasm buffers behind', () => {
    const a = tf.tensor(randomArray(4 * 33 * 40, 13), [4, 33, 40]);
    const b = tf.tensor(randomArray(4 * 35 * 40, 14), [4, 35, 40]);
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        tf.matMul(a, b, false, true);
        tf.grads((x: tf.Tensor) => tf.sum(tf.matMul(x, b, false, true)))([a]);
      });
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    tf.dispose([a, b]);
  });

  it('trains a small attention model to the same losses as wasm', () => {
    const train = (on: boolean): number[] => {
      setNativeMatMulActive(on);
      const x = tf.tensor(randomArray(4 * 6 * 8, 15), [4, 6, 8]);
      const target = tf.tensor(randomArray(4 * 8, 16), [4, 8]);
      const param = (seed: number) =>
        tf.tidy(() => tf.variable(tf.tensor(randomArray(64, seed, 0.3), [8, 8])));
      const wq = param(17);
      const wv = param(18);
      const opt = tf.train.sgd(0.2);
      const losses: number[] = [];
      for (let step = 0; step < 6; step++) {
        const loss = opt.minimize(() => {
          const q = tf.matMul(x, wq);
          const attn = tf.softmax(tf.matMul(q, x, false, true));
          const h = tf.mean(tf.matMul(attn, tf.matMul(x, wv)), 1);
          return tf.mean(tf.square(tf.sub(h, target)));
        }, true);
        losses.push((loss as tf.Scalar).dataSync()[0] as number);
        loss?.dispose();
      }
      opt.dispose();
      tf.dispose([x, target, wq, wv]);
      setNativeMatMulActive(true);
      return losses;
    };
    const before = tf.memory().numTensors;
    const native = train(true);
    const wasm = train(false);
    expect(tf.memory().numTensors).toBe(before);
    expect((native[5] as number) < (native[0] as number)).toBe(true);
    expect(maxRelError(native, wasm)).toBeLessThanOrEqual(1e-4);
  });
});

describe('native matMul settings and fallback', () => {
  it('PEFTKIT_NATIVE=0 keeps matMul on wasm and says so', () => {
    const report = enableNativeMatMul({ PEFTKIT_NATIVE: '0' });
    expect(report).toEqual({
      enabled: false,
      threads: 0,
      onnxruntimeVersion: null,
      reason: 'PEFTKIT_NATIVE=0',
    });
    expect(nativeMatMulActive()).toBe(false);
    expect(setNativeMatMulActive(true)).toBe(false);
    expect(nativeMatMulActive()).toBe(false); // nothing installed to turn on
    const y = tf.matMul(tf.tensor([[1, 2]]), tf.tensor([[3], [4]]));
    expect(Array.from(y.dataSync())).toEqual([11]);
    y.dispose();
    expect(enableNativeMatMul({ PEFTKIT_NATIVE: '1' }).enabled).toBe(true);
  });

  it('rejects invalid PEFTKIT_NATIVE and PEFTKIT_THREADS values by name', () => {
    expect(() => enableNativeMatMul({ PEFTKIT_NATIVE: 'yes' })).toThrow(/PEFTKIT_NATIVE='yes'/);
    expect(() => threadsFromEnv({ PEFTKIT_THREADS: '0' })).toThrow(/PEFTKIT_THREADS='0'/);
    expect(() => threadsFromEnv({ PEFTKIT_THREADS: '1.5' })).toThrow(/PEFTKIT_THREADS/);
    expect(threadsFromEnv({ PEFTKIT_THREADS: '3' })).toBe(3);
    expect(threadsFromEnv({})).toBeGreaterThanOrEqual(1);
  });

  it('falls back to wasm off the wasm backend', async () => {
    await tf.setBackend('cpu');
    try {
      const report = enableNativeMatMul({});
      expect(report.enabled).toBe(false);
      expect(report.reason).toBe('backend is cpu, not wasm');
    } finally {
      await tf.setBackend('wasm');
      enableNativeMatMul({});
    }
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { setNativeMatMulActive } from '../native/native-matmul.js';
import { maxRelError, randomArray, valuesOn } from '../testing/cross-backend.js';
import { setMinSliceWork } from './batch-mat-mul-wasm.js';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

const COMBOS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Operand shapes for op(A) [..., m, k] @ op(B) [..., k, n]. */
function shapes(
  aBatch: number[],
  bBatch: number[],
  tA: boolean,
  tB: boolean,
  m: number,
  k: number,
  n: number,
) {
  return { a: [...aBatch, ...(tA ? [k, m] : [m, k])], b: [...bBatch, ...(tB ? [n, k] : [k, n])] };
}

const BATCHES = [
  { name: '2-D', a: [], b: [], dims: [37, 29, 23] },
  { name: 'fold 3-D x 2-D', a: [3], b: [], dims: [9, 13, 7] },
  { name: 'fold 4-D x 3-D with batch 1', a: [2, 3], b: [1], dims: [5, 8, 6] },
  { name: 'split equal batches', a: [4], b: [4], dims: [33, 34, 35] },
  { name: 'split rank 4', a: [2, 3], b: [2, 3], dims: [34, 33, 32] },
  { name: 'split shared a (2-D x 3-D)', a: [], b: [3], dims: [33, 40, 31] },
  { name: 'small slices stay on the stock kernel', a: [6], b: [6], dims: [4, 5, 3] },
  { name: 'broadcast [2,3] x [1,3] (stock kernel)', a: [2, 3], b: [1, 3], dims: [5, 7, 3] },
] as const;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  // These tests are about wasm's own kernel; the native GEMM path has native/native-matmul.test.ts.
  setNativeMatMulActive(false);
});

afterEach(() => {
  setMinSliceWork(32 * 32 * 32);
});

describe('BatchMatMul on wasm (fast-path wrapper)', () => {
  for (const batch of BATCHES) {
    for (const [tA, tB] of COMBOS) {
      it(`${batch.name}, transposeA=${tA}, transposeB=${tB} matches cpu`, async () => {
        const [m, k, n] = batch.dims;
        const s = shapes([...batch.a], [...batch.b], tA, tB, m, k, n);
        const av = randomArray(size(s.a), 1);
        const bv = randomArray(size(s.b), 2);
        const run = () => [tf.matMul(tf.tensor(av, s.a), tf.tensor(bv, s.b), tA, tB)];
        const [ref] = await valuesOn('cpu', run);
        await tf.setBackend('wasm');
        const out = tf.matMul(tf.tensor(av, s.a), tf.tensor(bv, s.b), tA, tB);
        const cpuShape = tf.tidy(() => {
          return [...(batch.a.length >= batch.b.length ? batch.a : batch.b), m, n];
        });
        expect(out.shape).toEqual(cpuShape);
        const got = out.dataSync();
        out.dispose();
        expect(maxRelError(got, ref!)).toBeLessThanOrEqual(1e-4);
      });
    }
  }

  it('splits any batch correctly when forced to (threshold 1)', async () => {
    setMinSliceWork(1);
    for (const [tA, tB] of COMBOS) {
      const s = shapes([5], [5], tA, tB, 3, 4, 2);
      const av = randomArray(size(s.a), 3);
      const bv = randomArray(size(s.b), 4);
      const run = () => [tf.matMul(tf.tensor(av, s.a), tf.tensor(bv, s.b), tA, tB)];
      const [ref] = await valuesOn('cpu', run);
      const [got] = await valuesOn('wasm', run);
      expect(maxRelError(got!, ref!)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor(randomArray(4 * 40 * 33, 5), [4, 33, 40]);
    const b = tf.tensor(randomArray(4 * 40 * 35, 6), [4, 35, 40]);
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (const [tA, tB] of COMBOS) {
      // Shapes chosen so every combination is valid: a [4,33,40] and b [4,35,40] with flags.
      const x = tA ? tf.transpose(a, [0, 2, 1]) : a;
      const out = tf.matMul(x, b, tA, true);
      out.dispose();
      if (x !== a) x.dispose();
      void tB;
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    tf.dispose([a, b]);
  });
});

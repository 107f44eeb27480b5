import type { GradConfig, KernelConfig } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { setNativeMatMulActive } from '../native/native-matmul.js';
import { maxRelError, randomArray, valuesOn } from '../testing/cross-backend.js';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface Case {
  a: number[];
  b: number[];
  tA: boolean;
  tB: boolean;
}

/**
 * Reference gradients of sum(matMul(a, b, tA, tB) * dy) by explicit loops, with numpy-style
 * broadcasting of the batch dimensions.
 */
function reference(c: Case, av: Float32Array, bv: Float32Array, dy: Float32Array) {
  const ra = c.a.length;
  const rb = c.b.length;
  const M = (c.tA ? c.a[ra - 1] : c.a[ra - 2]) as number;
  const K = (c.tA ? c.a[ra - 2] : c.a[ra - 1]) as number;
  const N = (c.tB ? c.b[rb - 2] : c.b[rb - 1]) as number;
  const rank = Math.max(ra, rb) - 2;
  const padTo = (s: number[]) => [...Array(rank - (s.length - 2)).fill(1), ...s.slice(0, -2)] as number[];
  const aBatch = padTo(c.a);
  const bBatch = padTo(c.b);
  const outBatch = aBatch.map((d, i) => Math.max(d, bBatch[i] as number));
  const flatIn = (idx: number[], shape: number[]) =>
    idx.reduce((acc, v, i) => acc * (shape[i] as number) + ((shape[i] as number) === 1 ? 0 : v), 0);
  const da = new Float64Array(av.length);
  const db = new Float64Array(bv.length);
  for (let p = 0; p < size(outBatch); p++) {
    const idx: number[] = [];
    let rest = p;
    for (let i = rank - 1; i >= 0; i--) {
      idx.unshift(rest % (outBatch[i] as number));
      rest = Math.floor(rest / (outBatch[i] as number));
    }
    const pa = flatIn(idx, aBatch) * M * K;
    const pb = flatIn(idx, bBatch) * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const g = dy[(p * M + i) * N + j] as number;
        for (let k = 0; k < K; k++) {
          const ai = pa + (c.tA ? k * M + i : i * K + k);
          const bi = pb + (c.tB ? j * K + k : k * N + j);
          da[ai] = (da[ai] as number) + g * (bv[bi] as number);
          db[bi] = (db[bi] as number) + g * (av[ai] as number);
        }
      }
    }
  }
  return { da, db };
}

/** Shapes for C = op(A) op(B) with op(A) [..., M, K] and op(B) [..., K, N]. */
function shapes(aBatch: number[], bBatch: number[], tA: boolean, tB: boolean, m = 5, k = 7, n = 3): Case {
  return {
    a: [...aBatch, ...(tA ? [k, m] : [m, k])],
    b: [...bBatch, ...(tB ? [n, k] : [k, n])],
    tA,
    tB,
  };
}

const COMBOS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const BATCHES: { name: string; a: number[]; b: number[] }[] = [
  { name: '2-D', a: [], b: [] },
  { name: 'batched rank 3', a: [4], b: [4] },
  { name: 'batched rank 4', a: [2, 3], b: [2, 3] },
  { name: 'broadcast 3-D x 2-D', a: [3], b: [] },
  { name: 'broadcast 4-D x 2-D', a: [2, 3], b: [] },
  { name: 'broadcast 2-D x 3-D', a: [], b: [3] },
  { name: 'broadcast [1] x [3]', a: [1], b: [3] },
  { name: 'broadcast [3] x [1]', a: [3], b: [1] },
  { name: 'broadcast [2,3] x [1,3]', a: [2, 3], b: [1, 3] },
  { name: 'broadcast [2,3] x [3]', a: [2, 3], b: [3] },
  // Not [2,1] x [1,3]: tfjs' forward matMul itself is wrong there (it indexes the flattened batch
  // modulo each operand's batch size), so there is no correct gradient to match.
];

let stockGradient: GradConfig | undefined;

beforeAll(async () => {
  stockGradient = tf.getGradient('BatchMatMul');
  await initBackend({ prefer: 'wasm' });
});

async function gradsOn(backend: string, c: Case, seed: number) {
  const av = randomArray(size(c.a), seed);
  const bv = randomArray(size(c.b), seed + 1);
  let dy: Float32Array = new Float32Array(0);
  const [da, db] = await valuesOn(backend, () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const out = tf.matMul(a, b, c.tA, c.tB);
      dy = randomArray(out.size, seed + 2);
      return tf.sum(tf.mul(out, tf.tensor(dy, out.shape)));
    })([tf.tensor(av, c.a), tf.tensor(bv, c.b)]),
  );
  return { da: da!, db: db!, ref: reference(c, av, bv, dy) };
}

describe('BatchMatMul gradient', () => {
  for (const batch of BATCHES) {
    for (const [tA, tB] of COMBOS) {
      const c = shapes(batch.a, batch.b, tA, tB);
      for (const backend of ['cpu', 'wasm']) {
        it(`${batch.name}, transposeA=${tA}, transposeB=${tB} on ${backend}`, async () => {
          const { da, db, ref } = await gradsOn(backend, c, 1);
          expect(maxRelError(da, ref.da)).toBeLessThanOrEqual(1e-4);
          expect(maxRelError(db, ref.db)).toBeLessThanOrEqual(1e-4);
        });
      }
    }
  }

  it('handles a LoRA-sized layer: [8,16,64] @ [64,32] on wasm', async () => {
    const c = shapes([8], [], false, false, 16, 64, 32);
    const { da, db, ref } = await gradsOn('wasm', c, 7);
    expect(maxRelError(da, ref.da)).toBeLessThanOrEqual(1e-4);
    expect(maxRelError(db, ref.db)).toBeLessThanOrEqual(1e-4);
  });

  it('documents the stock gradient: it fails on the broadcast 3-D x 2-D case', async () => {
    if (stockGradient === undefined) throw new Error('stock gradient was not captured');
    const fixed = tf.getGradient('BatchMatMul');
    if (fixed === undefined) throw new Error('fixed gradient missing');
    tf.unregisterGradient('BatchMatMul');
    tf.registerGradient(stockGradient);
    try {
      await expect(gradsOn('cpu', shapes([3], [], false, false), 1)).rejects.toThrow();
    } finally {
      tf.unregisterGradient('BatchMatMul');
      tf.registerGradient(fixed);
    }
  });

  it('runs only non-transposed matMuls, and 2-D ones when a weight is shared over a batch (wasm matMul)', async () => {
    await tf.setBackend('wasm');
    // The explicit-transpose form is for wasm's own kernel; the native path passes flags instead
    // (native/native-matmul.test.ts).
    const wasNative = setNativeMatMulActive(false);
    const kernel = tf.getKernel('BatchMatMul', 'wasm');
    if (kernel === undefined) throw new Error('BatchMatMul kernel missing');
    const calls: { transposed: boolean; ranks: number[] }[] = [];
    const spy: KernelConfig = {
      ...kernel,
      kernelFunc: (args) => {
        const { a, b } = args.inputs;
        calls.push({
          transposed: args.attrs?.['transposeA'] === true || args.attrs?.['transposeB'] === true,
          ranks: [a?.shape.length ?? -1, b?.shape.length ?? -1],
        });
        return kernel.kernelFunc(args);
      },
    };
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel(spy);
    try {
      for (const [tA, tB] of COMBOS) {
        for (const batch of [[], [3]]) {
          calls.length = 0;
          await gradsOn('wasm', shapes(batch, [], tA, tB), 3);
          const backward = calls.slice(1); // calls[0] is the forward matMul
          expect(backward).toHaveLength(2);
          expect(backward.every((k) => !k.transposed && k.ranks[0] === 2 && k.ranks[1] === 2)).toBe(true);
        }
      }
    } finally {
      tf.unregisterKernel('BatchMatMul', 'wasm');
      tf.registerKernel(kernel);
      setNativeMatMulActive(wasNative);
    }
  });
});

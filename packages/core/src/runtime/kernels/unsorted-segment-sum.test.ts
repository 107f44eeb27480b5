import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { Rng } from '../random.js';
import { maxRelError, randomArray, valuesOn } from '../testing/cross-backend.js';

/** Plain JS reference: segment sums over the leading `ids.length` elements of x's rows. */
function reference(x: Float32Array, ids: Int32Array, numSegments: number): Float64Array {
  const inner = x.length / ids.length;
  const out = new Float64Array(numSegments * inner);
  ids.forEach((s, i) => {
    if (s < 0 || s >= numSegments) return;
    for (let j = 0; j < inner; j++)
      out[s * inner + j] = (out[s * inner + j] as number) + (x[i * inner + j] as number);
  });
  return out;
}

function randomIds(n: number, high: number, seed: number, low = 0): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => low + rng.int(high - low));
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe.each(['cpu', 'wasm'])('UnsortedSegmentSum fix on %s', (backend) => {
  const cases: { name: string; x: number[]; ids: number[]; numSegments: number; low?: number }[] = [
    { name: 'rank 1', x: [17], ids: [17], numSegments: 5 },
    { name: 'rank 2 rows', x: [23, 7], ids: [23], numSegments: 9 },
    {
      name: 'rank 3 with out-of-range and negative ids dropped',
      x: [13, 3, 5],
      ids: [13],
      numSegments: 4,
      low: -2,
    },
    { name: 'rank-2 segment ids (prefix of x shape)', x: [4, 6, 3], ids: [4, 6], numSegments: 7 },
  ];
  for (const c of cases) {
    it(`matches a JS reference: ${c.name}`, async () => {
      const xv = randomArray(size(c.x), 1);
      const ids = randomIds(size(c.ids), c.numSegments + 2, 2, c.low ?? 0);
      const [got] = await valuesOn(backend, () => [
        tf
          .engine()
          .runKernel(
            'UnsortedSegmentSum',
            { x: tf.tensor(xv, c.x), segmentIds: tf.tensor(ids, c.ids, 'int32') },
            { numSegments: c.numSegments },
          ) as tf.Tensor,
      ]);
      expect(maxRelError(got!, reference(xv, ids, c.numSegments))).toBeLessThanOrEqual(1e-5);
    });
  }

  it('sums int32 data exactly', async () => {
    const xv = Int32Array.from({ length: 30 }, (_, i) => i * 7 - 50);
    const ids = randomIds(10, 4, 3);
    await tf.setBackend(backend);
    const out = tf.unsortedSegmentSum(tf.tensor2d(xv, [10, 3], 'int32'), tf.tensor1d(ids, 'int32'), 4);
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual(Array.from(reference(Float32Array.from(xv), ids, 4)));
    out.dispose();
  });

  it('gives the embedding (gather) gradient, axis 0 and axis 1', async () => {
    const table = randomArray(11 * 6, 4);
    const idx = randomIds(15, 11, 5); // repeats guaranteed: 15 draws from 11 rows
    const w = randomArray(15 * 6, 6);
    const [d0] = await valuesOn(backend, () => [
      tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32')), tf.tensor2d(w, [15, 6]))),
      )(tf.tensor2d(table, [11, 6])),
    ]);
    expect(maxRelError(d0!, reference(w, idx, 11))).toBeLessThanOrEqual(1e-5);

    const cols = randomIds(9, 6, 7);
    const w1 = randomArray(11 * 9, 8);
    const [d1] = await valuesOn(backend, () => [
      tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(t, tf.tensor1d(cols, 'int32'), 1), tf.tensor2d(w1, [11, 9]))),
      )(tf.tensor2d(table, [11, 6])),
    ]);
    // d/dt[r, c] = sum over j with cols[j] = c of w1[r, j]
    const expected = new Float64Array(11 * 6);
    for (let r = 0; r < 11; r++)
      cols.forEach((c, j) => {
        expected[r * 6 + c] = (expected[r * 6 + c] as number) + (w1[r * 9 + j] as number);
      });
    expect(maxRelError(d1!, expected)).toBeLessThanOrEqual(1e-5);
  });

  it('computes an embedding gradient of vocab 8000 x d 256 x 1024 tokens in seconds, not minutes', async () => {
    await tf.setBackend(backend);
    const table = tf.zeros([8000, 256]);
    const ids = tf.tensor1d(randomIds(1024, 8000, 9), 'int32');
    const dy = tf.tensor2d(randomArray(1024 * 256, 10), [1024, 256]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), dy)));
    grad(table).dispose(); // warm-up
    const start = performance.now();
    const g = grad(table);
    g.dataSync();
    const ms = performance.now() - start;
    tf.dispose([g, table, ids, dy]);
    // Typically 50-300 ms; the stock cpu kernel needs minutes (one mask per vocabulary row).
    expect(ms).toBeLessThan(5000);
  });
});

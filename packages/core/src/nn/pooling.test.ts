import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AvgPool2d, Flatten, GlobalAvgPool2d, MaxPool2d } from './pooling.js';
import { expectClose, randomData, useCpu } from './testing/references.js';

beforeAll(useCpu);

type Reduce = 'max' | 'avg-include' | 'avg-exclude';

/** PyTorch pooling by definition (floor mode) on NHWC data. */
function naivePool(
  x: Float32Array,
  [b, h, w, c]: [number, number, number, number],
  [kh, kw]: [number, number],
  [sh, sw]: [number, number],
  [ph, pw]: [number, number],
  reduce: Reduce,
): [Float32Array, number[]] {
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  const out = new Float32Array(b * oh * ow * c);
  for (let n = 0; n < b; n++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let ch = 0; ch < c; ch++) {
          let max = Number.NEGATIVE_INFINITY;
          let sum = 0;
          let count = 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const yy = y * sh - ph + i;
              const xx = xo * sw - pw + j;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              const v = x[((n * h + yy) * w + xx) * c + ch] as number;
              max = Math.max(max, v);
              sum += v;
              count++;
            }
          out[((n * oh + y) * ow + xo) * c + ch] =
            reduce === 'max' ? max : reduce === 'avg-include' ? sum / (kh * kw) : sum / count;
        }
  return [out, [b, oh, ow, c]];
}

const SHAPE: [number, number, number, number] = [2, 7, 6, 3];
// Shifted negative so that padded windows would expose a zero-padding bug in max pooling.
const X = randomData(2 * 7 * 6 * 3, 4).map((v) => v - 2);

describe('pooling', () => {
  it('MaxPool2d: kernel 3, stride 2, padding 1 on all-negative data (padding never wins)', () => {
    const pool = new MaxPool2d(3, { stride: 2, padding: 1 });
    const [expected, shape] = naivePool(X, SHAPE, [3, 3], [2, 2], [1, 1], 'max');
    const y = pool.call(tf.tensor4d(X, SHAPE));
    expect(y.shape).toEqual(shape);
    expectClose(y.dataSync(), expected, 1e-6);
    y.dispose();
  });

  it('MaxPool2d: stride defaults to the kernel; asymmetric kernel', () => {
    const pool = new MaxPool2d([2, 3]);
    expect(pool.stride).toEqual([2, 3]);
    const [expected, shape] = naivePool(X, SHAPE, [2, 3], [2, 3], [0, 0], 'max');
    const y = pool.call(tf.tensor4d(X, SHAPE));
    expect(y.shape).toEqual(shape);
    expectClose(y.dataSync(), expected, 1e-6);
    y.dispose();
  });

  it('AvgPool2d counts padded zeros by default (PyTorch) and not with countIncludePad: false', () => {
    for (const [include, reduce] of [
      [true, 'avg-include'],
      [false, 'avg-exclude'],
    ] as const) {
      const pool = new AvgPool2d(3, { stride: 2, padding: [1, 1], countIncludePad: include });
      const [expected, shape] = naivePool(X, SHAPE, [3, 3], [2, 2], [1, 1], reduce);
      const y = pool.call(tf.tensor4d(X, SHAPE));
      expect(y.shape).toEqual(shape);
      expectClose(y.dataSync(), expected, 1e-5, reduce);
      y.dispose();
    }
    expect(() => new AvgPool2d(2, { padding: 2 })).toThrow(/at most half the kernel/);
  });

  it('GlobalAvgPool2d gives [B, C] spatial means; Flatten keeps the batch axis', () => {
    const x = tf.tensor4d(X, SHAPE);
    const g = new GlobalAvgPool2d().call(x);
    expect(g.shape).toEqual([2, 3]);
    const [expected] = naivePool(X, SHAPE, [7, 6], [7, 6], [0, 0], 'avg-include');
    expectClose(g.dataSync(), expected, 1e-5);
    const f = new Flatten().call(x);
    expect(f.shape).toEqual([2, 7 * 6 * 3]);
    expectClose(f.dataSync(), X, 0);
    tf.dispose([x, g, f]);
  });
});

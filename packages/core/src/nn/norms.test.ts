import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerNorm } from './layer-norm.js';
import { RMSNorm } from './rms-norm.js';
import { expectClose, randomData, useCpu } from './testing/references.js';

beforeAll(useCpu);

describe('LayerNorm', () => {
  it('normalises over the trailing shape like PyTorch (biased variance, eps inside sqrt)', () => {
    const ln = new LayerNorm([2, 3], { eps: 1e-3 });
    expect(ln.weight?.shape).toEqual([2, 3]);
    const w = randomData(6, 1);
    const b = randomData(6, 2);
    ln.weight?.assign(tf.tensor2d(w, [2, 3]));
    ln.bias?.assign(tf.tensor2d(b, [2, 3]));
    const rows = 4;
    const x = randomData(rows * 6, 3).map((v, i) => v * 3 + (i % 5)); // non-zero means
    const expected = new Float32Array(rows * 6);
    for (let r = 0; r < rows; r++) {
      const seg = x.subarray(r * 6, r * 6 + 6);
      const mean = seg.reduce((a, v) => a + v, 0) / 6;
      const variance = seg.reduce((a, v) => a + (v - mean) ** 2, 0) / 6;
      for (let j = 0; j < 6; j++) {
        expected[r * 6 + j] =
          (((seg[j] as number) - mean) / Math.sqrt(variance + 1e-3)) * (w[j] as number) + (b[j] as number);
      }
    }
    const y = ln.call(tf.tensor4d(x, [2, 2, 2, 3]));
    expect(y.shape).toEqual([2, 2, 2, 3]);
    expectClose(y.dataSync(), expected, 1e-4);
    y.dispose();
    ln.dispose();
  });

  it('has no parameters without elementwise affine, no bias with bias: false', () => {
    expect(new LayerNorm(4, { elementwiseAffine: false }).namedParameters()).toEqual([]);
    expect(new LayerNorm(4, { bias: false }).namedParameters().map(([p]) => p)).toEqual(['weight']);
    const ln = new LayerNorm(4);
    expect(() => ln.call(tf.zeros([2, 3]))).toThrow(/must end with \[4\]/);
  });
});

describe('RMSNorm', () => {
  it('computes x / sqrt(mean(x^2) + eps) * weight', () => {
    const norm = new RMSNorm(5, { eps: 1e-5 });
    const w = randomData(5, 4);
    norm.weight.assign(tf.tensor1d(w));
    const x = randomData(3 * 5, 5).map((v) => v + 0.5);
    const expected = new Float32Array(15);
    for (let r = 0; r < 3; r++) {
      const seg = x.subarray(r * 5, r * 5 + 5);
      const ms = seg.reduce((a, v) => a + v * v, 0) / 5;
      for (let j = 0; j < 5; j++)
        expected[r * 5 + j] = ((seg[j] as number) / Math.sqrt(ms + 1e-5)) * (w[j] as number);
    }
    const y = norm.call(tf.tensor2d(x, [3, 5]));
    expectClose(y.dataSync(), expected, 1e-5);
    y.dispose();
    norm.dispose();
  });
});

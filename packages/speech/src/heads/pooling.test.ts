import { initBackend, type Parameter } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentiveStatisticsPooling, maskedMeanPool } from './pooling.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

// Two examples, 3 frames, 2 features; example 1 has 2 valid frames.
const H = [
  [
    [1, 2],
    [3, 6],
    [5, 1],
  ],
  [
    [2, 0],
    [4, 4],
    [100, -100],
  ],
];
const MASK = [
  [1, 1, 1],
  [1, 1, 0],
];

describe('maskedMeanPool', () => {
  it('averages the valid frames only', () => {
    const out = tf.tidy(() => maskedMeanPool(tf.tensor3d(H), tf.tensor2d(MASK)));
    expect(Array.from(out.dataSync())).toEqual([3, 3, 3, 2]);
    out.dispose();
  });
});

describe('AttentiveStatisticsPooling', () => {
  it('is the weighted mean and std with softmax weights over valid frames (uniform scores: plain mean/std)', () => {
    const pool = new AttentiveStatisticsPooling(2, 3, 0.02);
    const zero = (p: Parameter) => {
      const z = tf.zerosLike(p.value);
      p.assign(z);
      z.dispose();
    };
    for (const [, p] of pool.namedParameters()) if (p.shape.length === 2 && p.shape[1] === 1) zero(p);
    const out = tf.tidy(() => pool.forward(tf.tensor3d(H), tf.tensor2d(MASK)));
    const std = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
    };
    const expected = [3, 3, std([1, 3, 5]), std([2, 6, 1]), 3, 2, std([2, 4]), std([0, 4])];
    Array.from(out.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 4);
    });
    out.dispose();
    pool.dispose();
  });

  it('weights frames by their scores: a frame scored far higher dominates mean and std', () => {
    const pool = new AttentiveStatisticsPooling(1, 1, 0.02);
    // attention = identity-ish (weight 1), score weight 50: frames with larger tanh(h) dominate.
    for (const [name, p] of pool.namedParameters()) {
      const t = name.endsWith('weight')
        ? tf.fill(p.shape, name.startsWith('score') ? 50 : 1)
        : tf.zerosLike(p.value);
      p.assign(t);
      t.dispose();
    }
    const out = tf.tidy(() => pool.forward(tf.tensor3d([[[-1], [2], [0.5]]]), undefined));
    const [mean, sd] = Array.from(out.dataSync());
    expect(mean).toBeCloseTo(2, 2);
    expect(sd!).toBeLessThan(0.1);
    out.dispose();
    pool.dispose();
  });
});

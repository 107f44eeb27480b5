import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter } from '../nn/parameter.js';
import {
  accumulateGradients,
  clipGradNorm,
  disposeGradients,
  type Gradients,
  globalNorm,
  hasNonFinite,
  scaleGradients,
  valueAndGrads,
} from './gradients.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const grads = (): Gradients =>
  new Map<string, tf.Tensor>([
    ['a', tf.tensor1d([3, 0])],
    ['b', tf.tensor2d([0, 4, 0, 0], [2, 2])],
  ]);

describe('clipGradNorm', () => {
  it('scales by maxNorm / (norm + 1e-6) when the global norm is larger (torch formula)', () => {
    const g = grads();
    const { grads: clipped, totalNorm } = clipGradNorm(g, 1);
    expect(totalNorm).toBeCloseTo(5, 6); // sqrt(3^2 + 4^2)
    const scale = 1 / (5 + 1e-6);
    expect(clipped.get('a')!.dataSync()[0]).toBeCloseTo(3 * scale, 6);
    expect(clipped.get('b')!.dataSync()[1]).toBeCloseTo(4 * scale, 6);
    expect(globalNorm(clipped)).toBeCloseTo(1, 5);
    // inputs untouched
    expect(Array.from(g.get('a')!.dataSync())).toEqual([3, 0]);
    disposeGradients(g);
    disposeGradients(clipped);
  });

  it('leaves gradients unchanged below maxNorm and handles an empty map', () => {
    const g = grads();
    const { grads: same, totalNorm } = clipGradNorm(g, 10);
    expect(totalNorm).toBeCloseTo(5, 6);
    expect(Array.from(same.get('b')!.dataSync())).toEqual([0, 4, 0, 0]);
    expect(clipGradNorm(new Map(), 1).totalNorm).toBe(0);
    expect(() => clipGradNorm(g, 0)).toThrow(/maxNorm/);
    disposeGradients(g);
    disposeGradients(same);
  });
});

describe('accumulate / scale / hasNonFinite', () => {
  it('accumulates in place without leaking and scales into new tensors', () => {
    const acc: Gradients = new Map();
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) {
      const g = grads();
      accumulateGradients(acc, g);
      disposeGradients(g);
    }
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(Array.from(acc.get('a')!.dataSync())).toEqual([9, 0]);
    const mean = scaleGradients(acc, 1 / 3);
    expect(mean.get('b')!.dataSync()[1]).toBeCloseTo(4, 6);
    const wrong = new Map([['a', tf.zeros([3])]]);
    expect(() => accumulateGradients(acc, wrong)).toThrow(/'a' has shape \[3\], accumulator has \[2\]/);
    disposeGradients(wrong);
    disposeGradients(acc);
    disposeGradients(mean);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('detects NaN and Infinity in maps, tensors and numbers', () => {
    const g = grads();
    expect(hasNonFinite(g)).toBe(false);
    const bad = new Map(g);
    const inf = tf.tensor1d([1, Number.POSITIVE_INFINITY]);
    bad.set('c', inf);
    expect(hasNonFinite(bad)).toBe(true);
    const nan = tf.scalar(Number.NaN);
    expect(hasNonFinite(nan)).toBe(true);
    const zero = tf.scalar(-0);
    expect(hasNonFinite(zero)).toBe(false);
    expect(hasNonFinite(Number.NEGATIVE_INFINITY)).toBe(true);
    expect(hasNonFinite(new Map())).toBe(false);
    disposeGradients(g);
    tf.dispose([inf, nan, zero]);
  });
});

describe('valueAndGrads', () => {
  it('returns gradients keyed by path, skipping parameters the loss does not use', () => {
    const w = new Parameter(tf.tensor1d([1, 2]));
    const unused = new Parameter(tf.tensor1d([5]));
    const { value, grads: g } = valueAndGrads(
      [
        ['layer.w', w],
        ['layer.unused', unused],
      ],
      () => tf.sum(tf.square(w.variable)) as tf.Scalar,
    );
    expect(value.dataSync()[0]).toBe(5);
    expect([...g.keys()]).toEqual(['layer.w']);
    expect(Array.from(g.get('layer.w')!.dataSync())).toEqual([2, 4]);
    const frozen = new Parameter(tf.tensor1d([1]), { trainable: false });
    expect(() => valueAndGrads([['f', frozen]], () => tf.sum(frozen.variable) as tf.Scalar)).toThrow(
      /frozen.*f/,
    );
    value.dispose();
    disposeGradients(g);
    for (const p of [w, unused, frozen]) p.dispose();
  });
});

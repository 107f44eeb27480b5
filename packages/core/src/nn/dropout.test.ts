import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../runtime/random.js';
import { Dropout } from './dropout.js';
import { useCpu } from './testing/references.js';

beforeAll(useCpu);

describe('Dropout', () => {
  it('is the identity in eval mode and for p = 0', () => {
    const x = tf.fill([100], 2);
    const d = new Dropout(0.5).eval();
    expect(Array.from(d.call(x).dataSync())).toEqual(Array.from(x.dataSync()));
    const d0 = new Dropout(0);
    expect(d0.training).toBe(true);
    expect(Array.from(d0.call(x).dataSync())).toEqual(Array.from(x.dataSync()));
    x.dispose();
  });

  it('drops about p of the elements and scales the rest by 1 / (1 - p)', () => {
    const p = 0.3;
    const x = tf.fill([20000], 2);
    const y = new Dropout(p).call(x).dataSync();
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(2 / (1 - p), 5);
    }
    // Binomial(20000, 0.3): std ~ 65 elements, so 3% is > 9 sigma.
    expect(Math.abs(zeros / y.length - p)).toBeLessThan(0.03);
    x.dispose();
  });

  it('masks are reproducible from setSeed and change between calls', () => {
    const x = tf.ones([500]);
    const d = new Dropout(0.5);
    setSeed(7);
    const a = Array.from(d.call(x).dataSync());
    const b = Array.from(d.call(x).dataSync());
    setSeed(7);
    const a2 = Array.from(d.call(x).dataSync());
    expect(a2).toEqual(a);
    expect(b).not.toEqual(a);
    x.dispose();
  });

  it('p = 1 zeroes everything; p outside [0, 1] is rejected', () => {
    const y = new Dropout(1).call(tf.ones([10]));
    expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
    expect(() => new Dropout(1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
    expect(() => new Dropout(-0.1)).toThrow(/p must be in \[0, 1\]/);
  });
});

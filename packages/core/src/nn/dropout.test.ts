import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { trackBufferPeak } from '../runtime/buffer-peak.js';
import { leanGradients } from '../runtime/lean-gradients.js';
import { nextSeed, replaySeeds, setSeed } from '../runtime/random.js';
import { Dropout, dropout } from './dropout.js';
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

describe('dropout under a gradient tape', () => {
  it('equals tf.dropout in value and gradient, keeping a 1-byte mask instead of four floats', async () => {
    const x = tf.randomNormal([64, 256], 0, 1, 'float32', 4);
    const w = tf.randomNormal([64, 256], 0, 1, 'float32', 5);
    setSeed(3);
    const seed = nextSeed();
    const ref = (xi: tf.Tensor) => tf.sum(tf.mul(tf.dropout(xi, 0.3, undefined, seed === 0 ? 1 : seed), w));
    const ours = (xi: tf.Tensor) => replaySeeds([seed], () => tf.sum(tf.mul(dropout(xi, 0.3, true), w)));
    const a = leanGradients(() => ref(x), [x]);
    const b = leanGradients(() => ours(x), [x]);
    expect(b.value.dataSync()[0]).toBe(a.value.dataSync()[0]);
    expect(Array.from(b.grads[0]!.dataSync())).toEqual(Array.from(a.grads[0]!.dataSync()));
    tf.dispose([a.value, b.value, a.grads[0]!, b.grads[0]!]);
    // A chain of dropouts: what each keeps for the backward pass adds up.
    const chain = (drop: (h: tf.Tensor, i: number) => tf.Tensor) => async () =>
      (
        await trackBufferPeak(() => {
          const r = leanGradients(() => {
            let h = x;
            for (let i = 0; i < 8; i++) h = tf.sin(drop(h, i));
            return tf.sum(h);
          }, [x]);
          tf.dispose([r.value, r.grads[0]!]);
        })
      ).peakNewBufferBytes;
    const stock = await chain((h, i) => tf.dropout(h, 0.3, undefined, i + 1))();
    const lean = await chain((h, i) => replaySeeds([i + 1], () => dropout(h, 0.3, true)))();
    expect(lean).toBeLessThan(0.6 * stock);
    tf.dispose([x, w]);
  });
});

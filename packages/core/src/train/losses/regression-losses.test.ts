import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianNllLoss } from './gaussian-nll-loss.js';
import { huberLoss } from './huber-loss.js';
import { mseLoss } from './mse-loss.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const P = [0.5, 2, -1, 3];
const T = [1, 0, -1, 0.2];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const scalar = (t: tf.Tensor) => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('mseLoss / huberLoss', () => {
  it('mse is the mean of squared differences', () => {
    const [p, t] = [tf.tensor1d(P), tf.tensor1d(T)];
    expect(scalar(mseLoss(p, t))).toBeCloseTo(mean(P.map((x, i) => (x - T[i]!) ** 2)), 5);
    expect(scalar(mseLoss(p, t, { reduction: 'sum' }))).toBeCloseTo(0.25 + 4 + 0 + 7.84, 5);
    tf.dispose([p, t]);
  });

  it('huber is quadratic inside delta and linear outside', () => {
    const [p, t] = [tf.tensor1d(P), tf.tensor1d(T)];
    for (const delta of [1, 0.4]) {
      const ref = P.map((x, i) => {
        const d = Math.abs(x - T[i]!);
        return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
      });
      expect(scalar(huberLoss(p, t, { delta }))).toBeCloseTo(mean(ref), 5);
    }
    // d/dp = clamp(p - t, -delta, delta) per element
    const g = tf.grad((x: tf.Tensor) => huberLoss(x, t, { reduction: 'sum' }))(p);
    expect(Array.from(g.dataSync()).map((v) => Number(v.toFixed(5)))).toEqual([-0.5, 1, 0, 1]);
    expect(() => huberLoss(p, t, { delta: 0 })).toThrow(/delta/);
    tf.dispose([p, t, g]);
  });
});

describe('gaussianNllLoss', () => {
  const V = [0.5, 2, 1e-8, 1];

  it('matches 0.5 (log var + (mu - y)^2 / var) with var clamped at eps, plus the full constant', () => {
    const [mu, v, t] = [tf.tensor1d(P), tf.tensor1d(V), tf.tensor1d(T)];
    const ref = P.map((m, i) => {
      const vi = Math.max(V[i]!, 1e-6);
      return 0.5 * (Math.log(vi) + (m - T[i]!) ** 2 / vi);
    });
    expect(scalar(gaussianNllLoss(mu, v, t))).toBeCloseTo(mean(ref), 3);
    const full = scalar(gaussianNllLoss(mu, v, t, { full: true }));
    expect(full).toBeCloseTo(mean(ref) + 0.5 * Math.log(2 * Math.PI), 3);
    tf.dispose([mu, v, t]);
  });

  it('passes the gradient straight through the clamp, as torch', () => {
    const [mu, t] = [tf.tensor1d([1, 0.5]), tf.tensor1d([0, 0.5])];
    const v = tf.tensor1d([1e-8, 2]);
    const g = tf.grad((x: tf.Tensor) => gaussianNllLoss(mu, x, t, { eps: 1e-2, reduction: 'sum' }))(v);
    // d/dvar = 0.5 (1/var - (mu - y)^2 / var^2), evaluated at the clamped var
    const expected = [0.5 * (1 / 1e-2 - 1 / 1e-4), 0.5 * (1 / 2)];
    Array.from(g.dataSync()).forEach((x, i) => {
      expect(x).toBeCloseTo(expected[i]!, 2);
    });
    tf.dispose([mu, t, v, g]);
  });

  it('broadcasts a shared variance and rejects negative variances', () => {
    const mu = tf.tensor2d([P.slice(0, 2), P.slice(2)]);
    const t = tf.tensor2d([T.slice(0, 2), T.slice(2)]);
    const shared = tf.tensor2d([[2], [0.5]]);
    const ref = [0, 1, 2, 3].map((i) => {
      const vi = i < 2 ? 2 : 0.5;
      return 0.5 * (Math.log(vi) + (P[i]! - T[i]!) ** 2 / vi);
    });
    expect(scalar(gaussianNllLoss(mu, shared, t))).toBeCloseTo(mean(ref), 5);
    const neg = tf.tensor2d([[1], [-1]]);
    expect(() => gaussianNllLoss(mu, neg, t)).toThrow(/negative entry/);
    const bad = tf.zeros([3]);
    expect(() => gaussianNllLoss(mu, bad, t)).toThrow();
    tf.dispose([mu, t, shared, neg, bad]);
  });
});

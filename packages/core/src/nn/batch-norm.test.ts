import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
import { expectClose, useCpu } from './testing/references.js';

beforeAll(useCpu);

// NHWC [2, 1, 2, 2]: channel 0 holds 1, 2, 3, 6; channel 1 holds 0, 0, 4, 4.
const X = [1, 0, 2, 0, 3, 4, 6, 4];
// Channel 0: mean 3, biased var (4 + 1 + 0 + 9) / 4 = 3.5, unbiased 14 / 3.
// Channel 1: mean 2, biased var 4, unbiased 16 / 3.
const MEAN = [3, 2];
const VAR = [3.5, 4];
const UNBIASED = [14 / 3, 16 / 3];

function values(t: tf.Tensor | undefined): number[] {
  return Array.from(t?.dataSync() ?? []);
}

describe('BatchNorm2d', () => {
  it('training normalises with batch stats and updates running stats like PyTorch', () => {
    const bn = new BatchNorm2d(2, { eps: 0 });
    const x = tf.tensor4d(X, [2, 1, 2, 2]);
    const y = bn.call(x);
    const expected = X.map((v, i) => (v - (MEAN[i % 2] as number)) / Math.sqrt(VAR[i % 2] as number));
    expectClose(y.dataSync(), expected, 1e-5, 'normalised');
    expectClose(values(bn.runningMean?.value), [0.1 * 3, 0.1 * 2], 1e-6, 'running_mean');
    expectClose(
      values(bn.runningVar?.value),
      UNBIASED.map((u) => 0.9 + 0.1 * u),
      1e-6,
      'running_var',
    );
    expect(values(bn.numBatchesTracked?.value)).toEqual([1]);
    // Second step: running = 0.9 * running + 0.1 * batch.
    bn.call(x).dispose();
    expectClose(
      values(bn.runningMean?.value),
      MEAN.map((m) => 0.9 * 0.1 * m + 0.1 * m),
      1e-6,
    );
    expect(values(bn.numBatchesTracked?.value)).toEqual([2]);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('eval mode uses the running statistics, affine params and does not update them', () => {
    const bn = new BatchNorm2d(2, { eps: 1e-5 });
    bn.runningMean?.assign(tf.tensor1d([1, -1]));
    bn.runningVar?.assign(tf.tensor1d([4, 0.25]));
    bn.weight?.assign(tf.tensor1d([2, 3]));
    bn.bias?.assign(tf.tensor1d([0.5, -0.5]));
    bn.eval();
    const y = bn.call(tf.tensor4d(X, [2, 1, 2, 2]));
    const rm = [1, -1];
    const rv = [4, 0.25];
    const w = [2, 3];
    const b = [0.5, -0.5];
    const expected = X.map((v, i) => {
      const c = i % 2;
      return (
        ((v - (rm[c] as number)) / Math.sqrt((rv[c] as number) + 1e-5)) * (w[c] as number) + (b[c] as number)
      );
    });
    expectClose(y.dataSync(), expected, 1e-5);
    expect(values(bn.numBatchesTracked?.value)).toEqual([0]);
    expect(values(bn.runningMean?.value)).toEqual([1, -1]);
    y.dispose();
    bn.dispose();
  });

  it('momentum null gives a cumulative average; rank-2 input works (BatchNorm1d)', () => {
    const bn = new BatchNorm1d(2, { momentum: null });
    bn.call(tf.tensor2d([1, 0, 3, 2], [2, 2])).dispose(); // means 2, 1
    bn.call(tf.tensor2d([5, 4, 7, 4], [2, 2])).dispose(); // means 6, 4
    expectClose(values(bn.runningMean?.value), [4, 2.5], 1e-6);
    bn.dispose();
  });

  it('keeps working under tf.variableGrads: grads for weight/bias, buffers updated once, no grads for buffers', () => {
    const bn = new BatchNorm2d(2);
    const x = tf.tensor4d(X, [2, 1, 2, 2]);
    const r = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]);
    const trainable = bn.parameters({ trainableOnly: true }).map((p) => p.variable);
    expect(trainable).toHaveLength(2);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.call(x), r)) as tf.Scalar, trainable);
    expect(Object.keys(grads).sort()).toEqual(trainable.map((v) => v.name).sort());
    const gb = grads[bn.bias?.variable.name ?? ''];
    // d(sum(y * r)) / d(bias_c) = sum of r over channel c.
    expectClose(values(gb), [1 + 3 + 5 + 7, 2 + 4 + 6 + 8], 1e-5);
    expect(values(bn.numBatchesTracked?.value)).toEqual([1]);
    expectClose(values(bn.runningMean?.value), [0.3, 0.2], 1e-6);
    tf.dispose([x, r, value, ...Object.values(grads)]);
    bn.dispose();
  });

  it('without running stats always uses batch stats and has no buffers; rejects 1 value per channel', () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false, affine: false });
    expect([...bn.stateDict().keys()]).toEqual([]);
    bn.eval();
    const y = bn.call(tf.tensor4d(X, [2, 1, 2, 2]));
    expect(Math.abs(tf.mean(y).dataSync()[0] as number)).toBeLessThan(1e-6);
    y.dispose();
    const bn2 = new BatchNorm2d(3);
    expect(() => bn2.call(tf.zeros([1, 1, 1, 3]))).toThrow(/more than 1 value per channel/);
    bn2.dispose();
  });
});

import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend.js';
import { type CtcLossOptions, ctcLoss } from './ctc-loss.js';

/** One case of fixtures/ctc-loss.json (written by fixtures/make-ctc-loss-fixture.py from torch). */
interface FixtureCase {
  name: string;
  shape: [number, number, number];
  logits: number[];
  logitLengths: number[];
  /** Padded with -1 past each target length. */
  targets: number[][];
  targetLengths: number[];
  blank: number;
  reduction: 'mean' | 'sum';
  zeroInfinity: boolean;
  perExample: (number | string)[];
  loss: number | string;
  grad: (number | string)[];
}

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/ctc-loss.json', import.meta.url), 'utf8')) as {
  cases: FixtureCase[];
};
const num = (v: number | string) => (typeof v === 'number' ? v : v === 'inf' ? Infinity : Number.NaN);

/** Same value within 1e-4 (relative above 1), or both NaN / both the same infinity. */
function expectClose(actual: number, expected: number, where: string): void {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) {
    expect(actual, where).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected), where).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected)));
}

function inputs(c: FixtureCase) {
  return {
    logits: tf.tensor3d(c.logits, c.shape),
    targets: tf.tensor2d(c.targets.flat(), [c.targets.length, c.targets[0]!.length], 'int32'),
    options: { blank: c.blank, zeroInfinity: c.zeroInfinity } satisfies CtcLossOptions,
  };
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('ctcLoss matches torch.nn.functional.ctc_loss', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: losses', (_, c) => {
    const { logits, targets, options } = inputs(c);
    const per = ctcLoss(logits, c.logitLengths, targets, c.targetLengths, { ...options, reduction: 'none' });
    const reduced = ctcLoss(logits, tf.tensor1d(c.logitLengths, 'int32'), targets, c.targetLengths, {
      ...options,
      reduction: c.reduction,
    });
    expect(per.shape).toEqual([c.shape[0]]);
    for (const [b, v] of per.dataSync().entries()) expectClose(v, num(c.perExample[b]!), `example ${b}`);
    expectClose(reduced.dataSync()[0]!, num(c.loss), 'reduced');
    tf.dispose([logits, targets, per, reduced]);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: gradient wrt the logits', (_, c) => {
    const { logits, targets, options } = inputs(c);
    const before = tf.memory().numTensors;
    const grad = tf.grad((x: tf.Tensor) =>
      ctcLoss(x, c.logitLengths, targets, c.targetLengths, { ...options, reduction: c.reduction }),
    )(logits);
    expect(tf.memory().numTensors).toBe(before + 1);
    const g = grad.dataSync();
    expect(g.length).toBe(c.grad.length);
    for (let i = 0; i < g.length; i++) expectClose(g[i]!, num(c.grad[i]!), `grad[${i}]`);
    tf.dispose([logits, targets, grad]);
  });
});

describe('ctcLoss', () => {
  const logits = () => tf.randomNormal([2, 5, 4], 0, 1, 'float32', 7);
  const targets = () => tf.tensor2d([1, 2, 3, 3, 0, 0], [2, 3], 'int32');

  it('frames past the logit length and target padding do not change the loss', () => {
    const x = logits();
    const y = targets();
    const a = ctcLoss(x, [5, 3], y, [3, 1]).dataSync()[0]!;
    // Different values in frames 3-4 of example 1 and a different filler past its target.
    const x2 = tf.tidy(() => tf.add(x, tf.mul(tf.tensor3d([0, 0, 0, 0, 0, 0, 0, 0, 1, 1], [2, 5, 1]), 50)));
    const y2 = tf.tensor2d([1, 2, 3, 3, 1, 2], [2, 3], 'int32');
    const b = ctcLoss(x2, [5, 3], y2, [3, 1]).dataSync()[0]!;
    expect(b).toBeCloseTo(a, 6);
    tf.dispose([x, y, x2, y2]);
  });

  it('is finite and near 0 when the logits spell the target with certainty', () => {
    // Frames: 1, blank, 1, 2 (repeat needs a blank), as one-hot logits of height 40.
    const path = [1, 0, 1, 2];
    const x = tf.tidy(() => tf.mul(tf.oneHot(tf.tensor1d(path, 'int32'), 3), 40).reshape([1, 4, 3]));
    const y = tf.tensor2d([[1, 1, 2]], [1, 3], 'int32');
    const loss = ctcLoss(x, [4], y, [3], { reduction: 'sum' }).dataSync()[0]!;
    expect(loss).toBeGreaterThanOrEqual(0);
    expect(loss).toBeLessThan(1e-6);
    tf.dispose([x, y]);
  });

  it('stays finite where probabilities underflow float64 (logit gap 1000: log-space fallback)', () => {
    const x = tf.tensor3d([[[1000, 0]], [[0, 1]]], [2, 1, 2]);
    const y = tf.tensor2d([[1], [1]], [2, 1], 'int32');
    const loss = (z: tf.Tensor) => ctcLoss(z, [1, 1], y, [1, 1], { reduction: 'none' });
    const per = loss(x).dataSync();
    expect(per[0]).toBeCloseTo(1000, 3);
    expect(per[1]).toBeCloseTo(Math.log1p(Math.exp(-1)), 6);
    const g = tf
      .grad((z: tf.Tensor) => tf.sum(loss(z)))(x)
      .dataSync();
    expect(Array.from(g.slice(0, 2))).toEqual([1, -1]);
    tf.dispose([x, y]);
  });

  it('refuses a blank inside a target, bad lengths and bad shapes, naming the field', () => {
    const x = logits();
    const y = targets();
    expect(() => ctcLoss(x, [5, 5], y, [3, 2])).toThrow(/target 0 at \[1, 1\].*other than the blank 0/);
    expect(() => ctcLoss(x, [6, 5], y, [3, 1])).toThrow(
      /logitLengths\[0\] = 6 must be an integer in \[0, 5\]/,
    );
    expect(() => ctcLoss(x, [5, 5], y, [3])).toThrow(/targetLengths has 1 entries for batch 2/);
    expect(() => ctcLoss(x, [5, 5], y, [3, 1], { blank: 4 })).toThrow(/blank must be a class id in \[0, 4\)/);
    expect(() => ctcLoss(tf.zeros([2, 5]), [5, 5], y, [3, 1])).toThrow(/logits must be \[B, T, C\]/);
    tf.dispose([x, y]);
  });

  it('leaves no tensors behind across training-style steps', () => {
    const x = tf.variable(tf.randomNormal([3, 20, 6], 0, 1, 'float32', 3));
    const y = tf.tensor2d([1, 2, 3, 4, 5, 5, 1, 0], [2, 4], 'int32').pad(
      [
        [0, 1],
        [0, 0],
      ],
      1,
    );
    const optimizer = tf.train.sgd(0.1);
    const step = () => {
      const cost = optimizer.minimize(() => ctcLoss(x, [20, 12, 7], y, [4, 3, 2]) as tf.Scalar, true)!;
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    };
    const first = step();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 5; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    tf.dispose([x, y]);
    optimizer.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryCrossEntropyWithLogits } from './binary-cross-entropy.js';

/** softplus(-x) = log(1 + e^-x), computed stably in float64. */
const softplusNeg = (x: number) => (x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** torch's formula: (1 - y) x + (1 + (pw - 1) y) softplus(-x). */
const ref = (x: number, y: number, pw = 1) => (1 - y) * x + (1 + (pw - 1) * y) * softplusNeg(x);

// Both backends: tfjs' own logSigmoid gradient breaks on wasm for intermediate logits (see
// softplusNeg), and wasm is the production backend.
describe.each(['cpu', 'wasm'])('binaryCrossEntropyWithLogits on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  const X = [
    [0.3, -1.2],
    [2.5, 0],
    [-0.7, 4],
  ];
  const Y = [
    [1, 0],
    [0, 1],
    [1, 1],
  ];

  it('matches the formula, with and without posWeight (per last-dim class)', () => {
    const x = tf.tensor2d(X);
    const y = tf.tensor2d(Y);
    for (const pw of [undefined, [3, 0.5]]) {
      let s = 0;
      X.forEach((row, i) => {
        row.forEach((xi, c) => {
          s += ref(xi, Y[i]![c]!, pw ? pw[c] : 1);
        });
      });
      const mean = binaryCrossEntropyWithLogits(x, y, pw ? { posWeight: pw } : {});
      expect(mean.dataSync()[0]).toBeCloseTo(s / 6, 5);
      const total = binaryCrossEntropyWithLogits(x, y, {
        reduction: 'sum',
        ...(pw ? { posWeight: pw } : {}),
      });
      expect(total.dataSync()[0]).toBeCloseTo(s, 5);
      tf.dispose([mean, total]);
    }
    tf.dispose([x, y]);
  });

  it('has the exact gradient sigmoid(x) - y, including at x = 0', () => {
    const x = tf.tensor1d([0, 0, 1.5]);
    const y = tf.tensor1d([1, 0, 0]);
    const g = tf.grad((v: tf.Tensor) => binaryCrossEntropyWithLogits(v, y, { reduction: 'sum' }))(x);
    const expected = [0.5 - 1, 0.5 - 0, sigmoid(1.5)];
    Array.from(g.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 6);
    });
    // With posWeight: d/dx = (1 - y) - (1 + (pw - 1) y) sigmoid(-x)
    const gw = tf.grad((v: tf.Tensor) =>
      binaryCrossEntropyWithLogits(v, y, { reduction: 'sum', posWeight: [2] }),
    )(x);
    const expectedW = [0 - 2 * 0.5, 1 - 0.5, 1 - sigmoid(-1.5)];
    Array.from(gw.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(expectedW[i]!, 6);
    });
    tf.dispose([x, y, g, gw]);
  });

  it('backpropagates through logits computed by a layer (an intermediate tensor)', () => {
    const w = tf.variable(
      tf.tensor2d([
        [0.5, -1],
        [2, 0.25],
      ]),
    );
    const x = tf.tensor2d([
      [1, 2],
      [-1, 0.5],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const { grads } = tf.variableGrads(
      () => binaryCrossEntropyWithLogits(tf.matMul(x, w), y) as tf.Scalar,
      [w],
    );
    // d/dW = x^T (sigmoid(xW) - y) / 4
    const z = [
      [1 * 0.5 + 2 * 2, 1 * -1 + 2 * 0.25],
      [-1 * 0.5 + 0.5 * 2, -1 * -1 + 0.5 * 0.25],
    ];
    const X = [
      [1, 2],
      [-1, 0.5],
    ];
    const Y = [
      [1, 0],
      [0, 1],
    ];
    const got = grads[w.name]!.arraySync() as number[][];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const e =
          (X[0]![i]! * (sigmoid(z[0]![j]!) - Y[0]![j]!) + X[1]![i]! * (sigmoid(z[1]![j]!) - Y[1]![j]!)) / 4;
        expect(got[i]![j]).toBeCloseTo(e, 6);
      }
    }
    tf.dispose([w, x, y, ...Object.values(grads)]);
  });

  it('is stable for logits of +/-1000', () => {
    const x = tf.tensor1d([1000, -1000, 1000, -1000]);
    const y = tf.tensor1d([1, 0, 0, 1]);
    const { value, grad: grads } = tf.valueAndGrad(
      (v: tf.Tensor) => binaryCrossEntropyWithLogits(v, y, { reduction: 'none' }).sum() as tf.Scalar,
    )(x);
    expect(value.dataSync()[0]).toBeCloseTo(2000, 3); // 0 + 0 + 1000 + 1000
    expect(Array.from(grads.dataSync())).toEqual([0, 0, 1, -1]);
    tf.dispose([x, y, value, grads]);
  });

  it('rejects mismatched shapes and posWeight lengths', () => {
    const x = tf.zeros([2, 3]);
    const y = tf.zeros([2, 2]);
    const y3 = tf.zeros([2, 3]);
    expect(() => binaryCrossEntropyWithLogits(x, y)).toThrow(/logits shape \[2,3\] != targets shape \[2,2\]/);
    expect(() => binaryCrossEntropyWithLogits(x, y3, { posWeight: [1, 2] })).toThrow(/posWeight has 2/);
    tf.dispose([x, y, y3]);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy } from './cross-entropy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

interface RefOptions {
  eps?: number;
  w?: number[];
  ignore?: number;
}

/** torch cross_entropy per target and its weighted-mean denominator, from the formula. */
function refCE(logits: number[][], targets: number[], o: RefOptions = {}): { per: number[]; den: number } {
  const { eps = 0, w, ignore = -100 } = o;
  const C = logits[0]!.length;
  const per: number[] = [];
  let den = 0;
  targets.forEach((y, i) => {
    if (y === ignore) {
      per.push(0);
      return;
    }
    const lp = logSoftmax(logits[i]!);
    const wy = w ? w[y]! : 1;
    const nll = -wy * lp[y]!;
    const smooth = -lp.reduce((s, v, c) => s + (w ? w[c]! : 1) * v, 0);
    per.push((1 - eps) * nll + (eps / C) * smooth);
    den += wy;
  });
  return { per, den };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

const L = [
  [1, 2, 3],
  [1, 0, -1],
  [0.5, 0.5, -2],
  [-1, 3, 0.2],
];

describe('crossEntropy', () => {
  it('mean over [N, C] equals -mean log p[y]', () => {
    const logits = tf.tensor2d(L);
    const y = tf.tensor1d([2, 0, 1, 1], 'int32');
    const { per, den } = refCE(L, [2, 0, 1, 1]);
    expect(value(crossEntropy(logits, y))).toBeCloseTo(sum(per) / den, 5);
    expect(value(crossEntropy(logits, y, { reduction: 'sum' }))).toBeCloseTo(sum(per), 5);
    const none = crossEntropy(logits, y, { reduction: 'none' });
    expect(none.shape).toEqual([4]);
    Array.from(none.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(per[i]!, 5);
    });
    tf.dispose([logits, y, none]);
  });

  it('[N, T, C] with ignoreIndex and class weights divides by the weights of kept targets', () => {
    const logits = tf.tensor3d([L.slice(0, 2), L.slice(2, 4)]);
    const targets = [2, -100, 1, 0];
    const y = tf.tensor2d(targets, [2, 2], 'int32');
    const w = [0.5, 2, 1];
    const { per, den } = refCE(L, targets, { w });
    expect(den).toBe(1 + 2 + 0.5); // w[2] + w[1] + w[0]; the ignored target counts nothing
    expect(value(crossEntropy(logits, y, { classWeights: w }))).toBeCloseTo(sum(per) / den, 5);
    const none = crossEntropy(logits, y, { classWeights: w, reduction: 'none' });
    expect(none.shape).toEqual([2, 2]);
    expect(none.dataSync()[1]).toBe(0);
    tf.dispose([logits, y, none]);
  });

  it('label smoothing follows torch, with and without weights, and a custom ignoreIndex', () => {
    const logits = tf.tensor2d(L);
    const targets = [2, 0, 7, 1];
    const y = tf.tensor1d(targets, 'int32');
    for (const w of [undefined, [1, 3, 0.25]]) {
      const { per, den } = refCE(L, targets, { eps: 0.2, w, ignore: 7 });
      const got = crossEntropy(logits, y, {
        labelSmoothing: 0.2,
        ignoreIndex: 7,
        ...(w ? { classWeights: w } : {}),
      });
      expect(value(got)).toBeCloseTo(sum(per) / den, 5);
    }
    tf.dispose([logits, y]);
  });

  it('gradient of the mean is (softmax - onehot) / N', () => {
    const logits = tf.tensor2d(L.slice(0, 2));
    const y = tf.tensor1d([2, 0], 'int32');
    const g = tf.grad((x: tf.Tensor) => crossEntropy(x, y))(logits);
    const got = g.arraySync() as number[][];
    [2, 0].forEach((t, i) => {
      const p = logSoftmax(L[i]!).map(Math.exp);
      p.forEach((pc, c) => {
        expect(got[i]![c]).toBeCloseTo((pc - (c === t ? 1 : 0)) / 2, 5);
      });
    });
    tf.dispose([logits, y, g]);
  });

  it('is stable for logits of 1000 (no NaN/Inf in loss or gradient)', () => {
    const logits = tf.tensor2d([
      [1000, 0, -1000],
      [1000, 1000, 0],
    ]);
    const y = tf.tensor1d([1, 0], 'int32');
    const { value: loss, grad: grads } = tf.valueAndGrad(
      (x: tf.Tensor) => crossEntropy(x, y, { labelSmoothing: 0.1 }) as tf.Scalar,
    )(logits);
    const { per, den } = refCE(
      [
        [1000, 0, -1000],
        [1000, 1000, 0],
      ],
      [1, 0],
      { eps: 0.1 },
    );
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    expect(loss.dataSync()[0]).toBeCloseTo(sum(per) / den, 2);
    expect(Array.from(grads.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([logits, y, loss, grads]);
  });

  it('gives NaN when every target is ignored (torch), and rejects bad targets', () => {
    const logits = tf.tensor2d(L.slice(0, 2));
    const ignored = tf.tensor1d([-100, -100], 'int32');
    expect(value(crossEntropy(logits, ignored))).toBeNaN();
    const out = tf.tensor1d([0, 3], 'int32');
    expect(() => crossEntropy(logits, out)).toThrow(/target 3 at flat index 1 is outside \[0, 3\)/);
    const floats = tf.tensor1d([0, 1]);
    expect(() => crossEntropy(logits, floats)).toThrow(/int32/);
    const shape = tf.tensor1d([0], 'int32');
    expect(() => crossEntropy(logits, shape)).toThrow(/targets shape \[1\] must be \[2\]/);
    expect(() => crossEntropy(logits, ignored, { classWeights: [1, 2] })).toThrow(/2 entries for 3 classes/);
    tf.dispose([logits, ignored, out, floats, shape]);
  });
});

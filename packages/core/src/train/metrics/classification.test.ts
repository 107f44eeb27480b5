import { describe, expect, it } from 'vitest';
import { accuracy } from './accuracy.js';
import { confusionMatrix } from './confusion-matrix.js';
import { macroF1, perClassPrecisionRecallF1, precisionRecallF1 } from './precision-recall-f1.js';

describe('accuracy / confusionMatrix', () => {
  it('accuracy counts exact matches', () => {
    expect(accuracy([0, 1, 2, 1], [0, 1, 1, 1])).toBe(0.75); // 3 of 4 right
    expect(accuracy(new Int32Array([1, 1]), [1, 1])).toBe(1);
    expect(() => accuracy([1], [1, 2])).toThrow(/1 entries but labels has 2/);
    expect(() => accuracy([], [])).toThrow(/no examples/);
  });

  it('confusion matrix has true labels as rows', () => {
    // label 0 predicted as 0 and 1; label 1 as 1; label 2 as 2
    expect(confusionMatrix([0, 1, 1, 2], [0, 0, 1, 2])).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(confusionMatrix([0], [0], 3)).toEqual([
      [1, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(() => confusionMatrix([0.5], [0])).toThrow(/integers/);
    expect(() => confusionMatrix([3], [0], 2)).toThrow(/>= numClasses 2/);
  });
});

describe('precisionRecallF1', () => {
  // preds [0,0,1,1] vs labels [0,2,1,1]:
  // class 0: tp 1, fp 1, fn 0 -> P 1/2, R 1, F1 2/3
  // class 1: tp 2, fp 0, fn 0 -> 1, 1, 1
  // class 2: never predicted: tp 0, fp 0, fn 1 -> P 0 (0/0 -> 0), R 0, F1 0
  const preds = [0, 0, 1, 1];
  const labels = [0, 2, 1, 1];

  it('macro averages per-class scores, a never-predicted class scoring 0 (no NaN)', () => {
    const r = precisionRecallF1(preds, labels, { average: 'macro' });
    expect(r.precision).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(r.recall).toBeCloseTo((1 + 1 + 0) / 3, 12);
    expect(r.f1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
    expect(macroF1(preds, labels)).toBeCloseTo(5 / 9, 12);
    // An explicit class list adds class 3 (absent everywhere, F1 0): (2/3 + 1 + 0 + 0) / 4
    expect(macroF1(preds, labels, [0, 1, 2, 3])).toBeCloseTo(5 / 12, 12);
    const per = perClassPrecisionRecallF1(preds, labels);
    expect(per.map((c) => [c.label, c.support, c.f1])).toEqual([
      [0, 1, 2 / 3],
      [1, 2, 1],
      [2, 1, 0],
    ]);
  });

  it('micro equals accuracy for single-label data', () => {
    const r = precisionRecallF1(preds, labels, { average: 'micro' });
    expect(r).toEqual({ precision: 0.75, recall: 0.75, f1: 0.75 });
  });

  it('binary scores the positive label against the rest', () => {
    // pos = 1: tp 2, fp 1, fn 0 -> P 2/3, R 1, F1 4/5
    const r = precisionRecallF1([1, 0, 1, 1], [1, 0, 0, 1], { average: 'binary' });
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBe(1);
    expect(r.f1).toBeCloseTo(0.8, 12);
    // pos = 0: tp 1, fp 0, fn 1 -> P 1, R 1/2, F1 2/3
    const r0 = precisionRecallF1([1, 0, 1, 1], [1, 0, 0, 1], { average: 'binary', positiveLabel: 0 });
    expect(r0.precision).toBe(1);
    expect(r0.recall).toBe(0.5);
    expect(r0.f1).toBeCloseTo(2 / 3, 12);
    // never predicting the positive class: all zero, no NaN
    expect(precisionRecallF1([0, 0], [1, 0], { average: 'binary' })).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
    });
  });
});

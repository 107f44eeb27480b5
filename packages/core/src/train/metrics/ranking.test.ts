import { describe, expect, it } from 'vitest';
import { auroc, aurocOneVsRest, averageRanks } from './auroc.js';
import { mae, mse } from './regression.js';
import { bestThreshold, sensitivitySpecificity } from './threshold.js';

/** AUROC by definition: the share of (positive, negative) pairs ordered right, ties 1/2. */
function pairwiseAuroc(scores: number[], labels: number[]): number {
  let good = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((sn, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      good += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return good / pairs;
}

describe('auroc', () => {
  it('counts correctly ordered positive/negative pairs', () => {
    // pairs (pos, neg): (0.35, 0.1) ok, (0.35, 0.4) wrong, (0.8, 0.1) ok, (0.8, 0.4) ok -> 3/4
    expect(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // ties count 1/2: (0.5, 0.5) half, the other three pairs ok -> 3.5/4
    expect(auroc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1])).toBe(0.875);
    expect(auroc([1, 1, 1], [0, 1, 0])).toBe(0.5); // all tied
  });

  it('agrees with the pairwise definition on tie-heavy data', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const scores = Array.from({ length: 60 }, () => Math.round(rand() * 8) / 8);
    const labels = scores.map((s) => (rand() < 0.3 + 0.4 * s ? 1 : 0));
    expect(auroc(scores, labels)).toBeCloseTo(pairwiseAuroc(scores, labels), 12);
  });

  it('average ranks share tied positions', () => {
    expect(Array.from(averageRanks([3, 1, 3, 2]))).toEqual([3.5, 1, 3.5, 2]);
  });

  it('is NaN for single-class labels and rejects non-binary labels or NaN scores', () => {
    expect(auroc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(() => auroc([0.1, 0.2], [0, 2])).toThrow(/labels must be 0 or 1/);
    expect(() => auroc([Number.NaN, 0.2], [0, 1])).toThrow(/scores\[0\] is NaN/);
  });

  it('one-vs-rest macro skips classes absent from labels and reports them', () => {
    const probs = [
      [0.7, 0.2, 0.1],
      [0.3, 0.6, 0.1],
      [0.3, 0.5, 0.2],
      [0.2, 0.7, 0.1],
    ];
    // class 0: pos {0.7, 0.3}, neg {0.3, 0.2}: 3 pairs ok + 1 tie -> 0.875
    // class 1: pos {0.6, 0.7}, neg {0.2, 0.5}: all ok -> 1;  class 2: no positive -> skipped
    const r = aurocOneVsRest(probs, [0, 1, 0, 1]);
    expect(r.perClass.slice(0, 2)).toEqual([0.875, 1]);
    expect(r.perClass[2]).toBeNaN();
    expect(r.skipped).toEqual([2]);
    expect(r.macro).toBe((0.875 + 1) / 2);
    expect(() => aurocOneVsRest(probs, [0, 1, 3, 1])).toThrow(/label 3 outside \[0, 3\)/);
  });
});

describe('thresholds', () => {
  it('sensitivity/specificity with positive = score >= threshold', () => {
    expect(sensitivitySpecificity([0.2, 0.6, 0.7, 0.9], [0, 0, 1, 1], 0.65)).toEqual({
      sensitivity: 1,
      specificity: 1,
    });
    // at 0.6 the negative scoring 0.6 becomes a false positive: spec 1/2
    expect(sensitivitySpecificity([0.2, 0.6, 0.7, 0.9], [0, 0, 1, 1], 0.6).specificity).toBe(0.5);
    expect(sensitivitySpecificity([0.2], [0], 0.5).sensitivity).toBeNaN();
  });

  it("bestThreshold maximises Youden's J, ties going to the higher threshold", () => {
    // perfect split at 0.6: sens 1, spec 1, J 1
    expect(bestThreshold([0.1, 0.3, 0.6, 0.8, 0.4], [0, 0, 1, 1, 0])).toEqual({
      threshold: 0.6,
      sensitivity: 1,
      specificity: 1,
      j: 1,
    });
    // J(0.8) = 0.5 + 1 - 1 = 0.5 and J(0.35) = 1 + 0.5 - 1 = 0.5: the higher threshold wins
    expect(bestThreshold([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).threshold).toBe(0.8);
    // tied scores move together: at 0.5 one pos and one neg become positive (J 0.5)
    expect(bestThreshold([0.5, 0.5, 0.2], [1, 0, 0])).toMatchObject({ threshold: 0.5, j: 0.5 });
    expect(() => bestThreshold([0.1, 0.2], [0, 0])).toThrow(/only negatives/);
  });
});

describe('regression metrics', () => {
  it('mse and mae', () => {
    expect(mse([1, 2, 3], [1, 4, 0])).toBe((0 + 4 + 9) / 3);
    expect(mae([1, 2, 3], [1, 4, 0])).toBe((0 + 2 + 3) / 3);
  });
});

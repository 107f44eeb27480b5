import { describe, expect, it } from 'vitest';
import { prCurve, rocCurve, thinCurve } from './roc-pr.js';

describe('ROC and precision-recall curves', () => {
  // Sorted by score: 0.8 (pos), 0.4 (neg), 0.35 (pos), 0.1 (neg); worked out by hand.
  const scores = [0.1, 0.4, 0.35, 0.8];
  const positive = [false, false, true, true];

  it('ROC steps through each threshold from (0,0) to (1,1); AUC by trapezoids', () => {
    const roc = rocCurve(scores, positive)!;
    expect(roc.points).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(roc.area).toBeCloseTo(0.75, 12);
  });

  it('PR has one point per threshold; average precision sums precision x recall gained', () => {
    const pr = prCurve(scores, positive)!;
    expect(pr.points).toEqual([
      [0.5, 1],
      [0.5, 0.5],
      [1, 2 / 3],
      [1, 0.5],
    ]);
    expect(pr.area).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
  });

  it('tied scores move together, so the input order does not matter', () => {
    const a = rocCurve([0.5, 0.5, 0.9], [true, false, true])!;
    const b = rocCurve([0.5, 0.5, 0.9], [false, true, true])!;
    expect(a).toEqual(b);
    expect(a.points).toEqual([
      [0, 0],
      [0, 0.5],
      [1, 1],
    ]);
    expect(a.area).toBeCloseTo(0.75, 12);
  });

  it('no curve when a class is absent; thinning keeps both ends', () => {
    expect(rocCurve([0.2, 0.3], [true, true])).toBeNull();
    expect(prCurve([0.2, 0.3], [false, false])).toBeNull();
    const pts = Array.from({ length: 1001 }, (_, i) => [i / 1000, 1 - i / 1000] as const);
    const thin = thinCurve(pts, 11);
    expect(thin).toHaveLength(11);
    expect(thin[0]).toEqual([0, 1]);
    expect(thin[10]).toEqual([1, 0]);
    expect(thinCurve(pts.slice(0, 5), 11)).toHaveLength(5);
  });
});

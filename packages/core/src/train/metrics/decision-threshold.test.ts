import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.js';
import { chooseBinaryThreshold, recentreProbability } from './decision-threshold.js';

/** Macro F1 of "positive when p > t", computed the slow way. */
function macroF1(p: number[], y: number[], t: number): number {
  const f1 = (c: number) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    p.forEach((v, i) => {
      const pred = v > t ? 1 : 0;
      if (pred === c && y[i] === c) tp++;
      else if (pred === c) fp++;
      else if (y[i] === c) fn++;
    });
    return 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0;
  };
  return (f1(0) + f1(1)) / 2;
}

describe('chooseBinaryThreshold', () => {
  it('separable but miscalibrated scores: the threshold between the classes, macro F1 1', () => {
    const c = chooseBinaryThreshold([0.05, 0.1, 0.2, 0.3, 0.35, 0.4], [0, 0, 0, 0, 1, 1])!;
    expect(c.threshold).toBeCloseTo(0.325, 10);
    expect(c.macroF1).toBe(1);
    expect(c.defaultMacroF1).toBeCloseTo(
      macroF1([0.05, 0.1, 0.2, 0.3, 0.35, 0.4], [0, 0, 0, 0, 1, 1], 0.5),
      12,
    );
    expect(c.examples).toBe(6);
  });

  it('is the best over every cut on random data, never worse than argmax, and keeps 0.5 on a tie', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const y = Array.from({ length: 60 }, () => (rng.next() < 0.2 ? 1 : 0));
      const p = y.map((v) => Math.min(1, Math.max(0, 0.3 * v + 0.5 * rng.next())));
      const c = chooseBinaryThreshold(p, y)!;
      const cuts = [0, ...p].map((v) => v - 1e-9);
      const best = Math.max(...cuts.map((t) => macroF1(p, y, t)), macroF1(p, y, 0.5));
      expect(c.macroF1).toBeCloseTo(best, 12);
      expect(macroF1(p, y, c.threshold)).toBeCloseTo(c.macroF1, 12);
      expect(c.macroF1).toBeGreaterThanOrEqual(c.defaultMacroF1);
    }
    // Already perfect at 0.5: stays there.
    expect(chooseBinaryThreshold([0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1])!.threshold).toBe(0.5);
  });

  it('needs both classes and 0/1 targets', () => {
    expect(chooseBinaryThreshold([0.2, 0.7], [1, 1])).toBeUndefined();
    expect(() => chooseBinaryThreshold([0.2, 0.7], [0, 2])).toThrow(/expected 0 or 1/);
    expect(() => chooseBinaryThreshold([0.2], [0, 1])).toThrow(/1 probabilities but 2 targets/);
  });
});

describe('recentreProbability', () => {
  it('puts the threshold at 0.5, keeps 0 and 1, and keeps the order', () => {
    expect(recentreProbability(0.2, 0.2)).toBe(0.5);
    expect(recentreProbability(0, 0.2)).toBe(0);
    expect(recentreProbability(1, 0.2)).toBe(1);
    expect(recentreProbability(0.21, 0.2)).toBeGreaterThan(0.5);
    const xs = [0, 0.05, 0.19, 0.2, 0.3, 0.9, 1];
    const ys = xs.map((x) => recentreProbability(x, 0.2));
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
  });
});

import { describe, expect, it } from 'vitest';
import { suggestLr } from './suggest-lr.js';

const sweep = (n: number) => Array.from({ length: n }, (_, i) => 1e-6 * 10 ** ((6 * i) / (n - 1)));

describe('suggestLr', () => {
  it('picks the steepest fall before the minimum, ignoring noise in the flat start', () => {
    const lrs = sweep(60);
    // Flat with a sharp one-point dip (noise) at 8, a real descent centred on 40, divergence after 50.
    const loss = lrs.map((_, i) =>
      i === 8 ? 1.9 : i < 30 ? 2 : i <= 50 ? 2 - 1.5 / (1 + Math.exp(-(i - 40) / 2)) : 0.5 + (i - 50),
    );
    const s = suggestLr(lrs, loss);
    expect(s.rule).toBe('steepest');
    expect(s.index).toBeGreaterThanOrEqual(38);
    expect(s.index).toBeLessThanOrEqual(42);
    expect(s.lr).toBe(lrs[s.index]);
  });

  it('on a flat curve, falls back to a tenth of where the loss starts rising, not the noisy minimum', () => {
    const lrs = sweep(30);
    // Flat (nothing learns) with its minimum at the very start, breaking from index 25.
    const loss = lrs.map((_, i) => (i === 1 ? 0.99 : 1) + (i >= 25 ? 0.2 * (i - 24) : 0));
    const s = suggestLr(lrs, loss);
    expect(s.rule).toBe('edge');
    expect(s.index).toBe(25);
    expect(s.lr).toBeCloseTo(lrs[25]! / 10, 15);
    expect(s.reason).toMatch(/flat curve.*starts rising/);
  });

  it('on a curve that is flat to the end, takes a tenth of the last lr', () => {
    const lrs = sweep(20);
    const s = suggestLr(
      lrs,
      lrs.map(() => 0.7),
    );
    expect(s.rule).toBe('edge');
    expect(s.index).toBe(19);
    expect(s.reason).toMatch(/never rises/);
  });

  it('reads the edge on the raw losses without the moving average lag', () => {
    const lrs = sweep(100);
    const raw = lrs.map((_, i) => (i < 70 ? 0.69 : 0.69 + 0.1 * (i - 69)));
    // The debiased EMA of the sweep (weight 0.05) trails the raw rise by several points.
    let avg = 0;
    const ema = raw.map((v, i) => {
      avg = 0.95 * avg + 0.05 * v;
      return avg / (1 - 0.95 ** (i + 1));
    });
    const lagged = suggestLr(lrs, ema);
    const direct = suggestLr(lrs, ema, { losses: raw });
    expect(direct.rule).toBe('edge');
    expect(direct.index).toBeGreaterThanOrEqual(70);
    expect(direct.index).toBeLessThanOrEqual(72);
    expect(lagged.index).toBeGreaterThan(direct.index);
  });

  it('needs at least three points', () => {
    expect(() => suggestLr([1e-3, 1e-2], [1, 2])).toThrow(/at least 3 points/);
  });
});

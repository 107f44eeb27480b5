import { describe, expect, it } from 'vitest';
import { allocateRanks, type RankCandidate } from './allocate-ranks.js';

const linear = (path: string, score: number, d = 64): RankCandidate => ({
  path,
  score,
  paramsPerRank: 2 * d,
  maxRank: d,
});

const spent = (c: readonly RankCandidate[], r: Map<string, number>) =>
  c.reduce((n, x) => n + (r.get(x.path) ?? 0) * x.paramsPerRank, 0);

describe('allocateRanks', () => {
  it('never exceeds the budget, adapts the most sensitive first and never a zero-score module', () => {
    const c = [linear('a', 10), linear('b', 5), linear('c', 1), linear('dead', 0)];
    for (const budget of [0, 100, 256, 1000, 5000, 1e6]) {
      const r = allocateRanks(c, { budget });
      expect(spent(c, r)).toBeLessThanOrEqual(budget);
      expect(r.get('dead')).toBe(0);
      expect(r.get('a')!).toBeGreaterThanOrEqual(r.get('b')!);
      expect(r.get('b')!).toBeGreaterThanOrEqual(r.get('c')!);
    }
    // Room for exactly one rank-2 adapter: the most sensitive module gets it.
    expect(Object.fromEntries(allocateRanks(c, { budget: 256 }))).toEqual({ a: 2, b: 0, c: 0, dead: 0 });
    // A large budget stops at each module's largest allowed rank.
    expect(allocateRanks(c, { budget: 1e9 }).get('c')).toBe(64);
  });

  it('spreads rank over equally sensitive modules before deepening one, and deepens a dominant one', () => {
    const even = [linear('a', 1), linear('b', 1), linear('c', 1)];
    expect([...allocateRanks(even, { budget: 3 * 2 * 128 }).values()]).toEqual([2, 2, 2]);
    const skewed = [linear('a', 100), linear('b', 1), linear('c', 1)];
    const r = allocateRanks(skewed, { budget: 3 * 2 * 128 });
    expect(r.get('a')).toBe(4);
    expect(spent(skewed, r)).toBeLessThanOrEqual(768);
  });

  it('charges narrow modules less per rank and caps rank at min(in, out)', () => {
    const c: RankCandidate[] = [
      { path: 'wide', score: 1, paramsPerRank: 1000, maxRank: 500 },
      { path: 'narrow', score: 1, paramsPerRank: 10, maxRank: 2 },
    ];
    const r = allocateRanks(c, { budget: 100 });
    expect(r.get('narrow')).toBe(2);
    expect(r.get('wide')).toBe(0);
  });

  it('rejects bad rank ladders and budgets', () => {
    expect(() => allocateRanks([], { budget: 1, ranks: [4, 2] })).toThrow(/ascending/);
    expect(() => allocateRanks([], { budget: Number.NaN })).toThrow(/budget/);
  });
});

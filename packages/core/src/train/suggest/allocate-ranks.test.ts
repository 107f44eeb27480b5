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

  it('compares kinds by score per parameter: an embedding row table is adapted only when its score pays for its width', () => {
    // A 4000 x 128 Embedding costs 4128 per rank, a 128 x 128 Linear 256.
    const emb = (score: number): RankCandidate => ({ path: 'emb', score, paramsPerRank: 4128, maxRank: 128 });
    const lins = [0, 1, 2, 3].map((i) => linear(`q${i}`, 1, 128));
    const budget = 4 * 2 * 256 + 2 * 4128;
    // 10x a Linear's score: after rank 2 on each Linear, rank 2 on the embedding beats deepening one.
    const rich = allocateRanks([emb(10), ...lins], { budget });
    expect(Object.fromEntries(rich)).toEqual({ emb: 2, q0: 2, q1: 2, q2: 2, q3: 2 });
    expect(spent([emb(10), ...lins], rich)).toBe(budget);
    // 3x is not enough for 16x the price: the budget deepens the Linears instead.
    const poor = allocateRanks([emb(3), ...lins], { budget });
    expect(poor.get('emb')).toBe(0);
    expect(spent([emb(3), ...lins], poor)).toBeGreaterThan(budget / 2);
  });

  it('takes one expensive module over cheap ones when it is worth more in total, though cheap ones are worth more per parameter', () => {
    // Rank 2 on 'cheap' is worth 0.0198 per parameter, on 'dear' 0.0176: a greedy order by value
    // per parameter takes 'cheap' first, after which 'dear' (900) no longer fits in 1000, and
    // deepening 'cheap' to rank 8 is worth 7.9 in all. 'dear' alone is worth 15.8.
    const cheap: RankCandidate = { path: 'cheap', score: 2.5, paramsPerRank: 100, maxRank: 64 };
    const dear: RankCandidate = { path: 'dear', score: 10, paramsPerRank: 450, maxRank: 2 };
    expect(Object.fromEntries(allocateRanks([cheap, dear], { budget: 1000 }))).toEqual({ cheap: 0, dear: 2 });
    // With room for both, both.
    expect(Object.fromEntries(allocateRanks([cheap, dear], { budget: 1100 }))).toEqual({ cheap: 2, dear: 2 });
  });

  it('never exceeds a budget too fine to tabulate exactly (costs rounded up to budget / 65536)', () => {
    const c = [
      { path: 'a', score: 3, paramsPerRank: 100_003, maxRank: 64 },
      { path: 'b', score: 2, paramsPerRank: 70_001, maxRank: 64 },
      { path: 'c', score: 1, paramsPerRank: 3, maxRank: 64 },
    ];
    for (const budget of [1_234_567, 7_654_321, 20_000_000]) {
      const r = allocateRanks(c, { budget });
      expect(spent(c, r)).toBeLessThanOrEqual(budget);
      expect(r.get('a')).toBeGreaterThan(0);
    }
  });

  it('gives a grouped conv only multiples of its groups, and nothing when none fits under its max rank', () => {
    const grouped: RankCandidate = { path: 'g', score: 5, paramsPerRank: 10, maxRank: 64, rankMultiple: 4 };
    for (const budget of [30, 40, 100, 1000, 1e6]) {
      const r = allocateRanks([grouped, linear('l', 1)], { budget }).get('g')!;
      expect(r % 4).toBe(0);
      expect(r * 10).toBeLessThanOrEqual(budget);
    }
    expect(allocateRanks([grouped], { budget: 39 }).get('g')).toBe(0);
    expect(allocateRanks([grouped], { budget: 40 }).get('g')).toBe(4);
    const depthwise: RankCandidate = {
      path: 'd',
      score: 5,
      paramsPerRank: 10,
      maxRank: 16,
      rankMultiple: 32,
    };
    expect(allocateRanks([depthwise], { budget: 1e6 }).get('d')).toBe(0);
    expect(() => allocateRanks([{ ...grouped, rankMultiple: 0 }], { budget: 1 })).toThrow(/g: rankMultiple/);
  });

  it('rejects bad rank ladders and budgets', () => {
    expect(() => allocateRanks([], { budget: 1, ranks: [4, 2] })).toThrow(/ascending/);
    expect(() => allocateRanks([], { budget: Number.NaN })).toThrow(/budget/);
    expect(() => allocateRanks([{ ...linear('x', 1), paramsPerRank: 2.5 }], { budget: 10 })).toThrow(
      /x: paramsPerRank must be a positive integer/,
    );
  });
});

/** A module competing for LoRA rank: its sensitivity and what one rank of LoRA costs there. */
export interface RankCandidate {
  readonly path: string;
  readonly score: number;
  /**
   * Trainable parameters per unit of rank (`in + out` for a Linear: A is r x in, B is out x r;
   * see `loraRankCost` for the other kinds).
   */
  readonly paramsPerRank: number;
  /** Largest useful rank (`min(in, out)` for a Linear); 0 keeps the module out. */
  readonly maxRank: number;
  /** Allowed ranks are multiples of this (a grouped conv's `groups`); default 1. */
  readonly rankMultiple?: number;
}

/** The ranks `allocateRanks` chooses from unless told otherwise. */
export const DEFAULT_LORA_RANKS: readonly number[] = Object.freeze([2, 4, 8, 16, 32, 64]);

/** The ranks of `ladder` a candidate can take: up to its `maxRank`, multiples of its `rankMultiple`. */
export function allowedRanks(c: RankCandidate, ladder: readonly number[] = DEFAULT_LORA_RANKS): number[] {
  if (!Number.isInteger(c.paramsPerRank) || c.paramsPerRank < 1) {
    throw new Error(
      `allocateRanks: ${c.path}: paramsPerRank must be a positive integer, got ${c.paramsPerRank}`,
    );
  }
  const multiple = c.rankMultiple ?? 1;
  if (!Number.isInteger(multiple) || multiple < 1) {
    throw new Error(`allocateRanks: ${c.path}: rankMultiple must be a positive integer, got ${multiple}`);
  }
  return ladder.filter((r) => r <= c.maxRank && r % multiple === 0);
}

export interface AllocateRanksOptions {
  /** Trainable adapter parameters allowed in total. */
  readonly budget: number;
  /** Ranks a module can get, ascending (default 2, 4, 8, 16, 32, 64). */
  readonly ranks?: readonly number[];
}

/** Most capacity steps of the knapsack table (candidates x ranks x steps operations). */
const KNAPSACK_STEPS = 65536;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Gives each candidate a LoRA rank (0 = not adapted) under a parameter budget. A module's value
 * for rank r is modelled as `score * log2(1 + r)` (diminishing returns, as the spectra of LoRA
 * updates fall off quickly; `score` is the value of rank 1), and the ranks maximise the total
 * value within the budget: a multiple-choice knapsack, solved by dynamic programming over the
 * budget in steps of the greatest common divisor of the choices' costs (exact), or, when that
 * would take more than `KNAPSACK_STEPS` steps, of `budget / KNAPSACK_STEPS` with every cost
 * rounded up (the budget is never exceeded; up to one step per adapted module may go unspent). So one
 * expensive module (a word embedding, thousands of parameters per rank) is chosen over many cheap
 * ones exactly when it is worth more in total, which a greedy value-per-parameter order gets
 * wrong once cheap modules have used the room it needs. A module with zero score never gets a
 * rank. A candidate's allowed ranks are the ladder's ranks up to its `maxRank` that are multiples
 * of its `rankMultiple`. Deterministic: of equal totals the one found first (earlier candidates
 * at lower ranks) is kept.
 */
export function allocateRanks(
  candidates: readonly RankCandidate[],
  o: AllocateRanksOptions,
): Map<string, number> {
  const ladder = [...(o.ranks ?? DEFAULT_LORA_RANKS)];
  if (
    !ladder.length ||
    ladder.some((r, i) => !Number.isInteger(r) || r < 1 || (i > 0 && r <= ladder[i - 1]!))
  ) {
    throw new Error(`allocateRanks: ranks must be ascending positive integers, got [${ladder}]`);
  }
  if (!(o.budget >= 0)) throw new Error(`allocateRanks: budget must be >= 0, got ${o.budget}`);
  const allowed = candidates.map((c) => {
    const ranks = allowedRanks(c, ladder);
    return c.score > 0 ? ranks.filter((r) => r * c.paramsPerRank <= o.budget) : [];
  });
  const budget = Math.floor(o.budget);
  const costs = candidates.flatMap((c, i) => allowed[i]!.map((r) => r * c.paramsPerRank));
  const common = costs.reduce((g, x) => gcd(g, x), 0) || 1;
  const step = budget / common <= KNAPSACK_STEPS ? common : Math.max(1, Math.ceil(budget / KNAPSACK_STEPS));
  const capacity = Math.floor(budget / step);
  /** Table steps rank `r` of `c` takes (rounded up: never over budget). */
  const stepsOf = (c: RankCandidate, r: number) => Math.ceil((r * c.paramsPerRank) / step);
  // best[c]: the largest total value of the candidates so far within c steps.
  let best = new Float64Array(capacity + 1);
  // choice[i][c]: index + 1 into allowed[i] of candidate i's rank at capacity c (0 = none).
  const choice = candidates.map(() => new Uint8Array(capacity + 1));
  candidates.forEach((cand, i) => {
    const next = Float64Array.from(best);
    allowed[i]!.forEach((r, k) => {
      const cost = stepsOf(cand, r);
      const value = cand.score * Math.log2(1 + r);
      for (let c = capacity; c >= cost; c--) {
        const v = best[c - cost]! + value;
        if (v > next[c]!) {
          next[c] = v;
          choice[i]![c] = k + 1;
        }
      }
    });
    best = next;
  });
  // Walk back from the full budget: each candidate's choice at the capacity the later ones left.
  const ranks = candidates.map(() => 0);
  let c = capacity;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const k = choice[i]![c]!;
    if (!k) continue;
    ranks[i] = allowed[i]![k - 1]!;
    c -= stepsOf(candidates[i]!, ranks[i]!);
  }
  return new Map(candidates.map((cand, i) => [cand.path, ranks[i]!]));
}

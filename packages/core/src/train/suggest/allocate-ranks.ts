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

/**
 * Gives each candidate a LoRA rank (0 = not adapted) under a parameter budget. A module's value
 * for rank r is modelled as `score * log2(1 + r)` (diminishing returns, as the spectra of LoRA
 * updates fall off quickly); the allocator greedily takes the step to the next allowed rank with
 * the highest value per parameter that still fits. So the most sensitive modules are adapted
 * first, a module only gets a higher rank when that beats adapting the next module, and a module
 * with zero sensitivity never gets a rank. A candidate's allowed ranks are the ladder's ranks up
 * to its `maxRank` that are multiples of its `rankMultiple`. Deterministic: ties go to the
 * earlier candidate.
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
    return c.score > 0 ? ranks : [];
  });
  // Index into the candidate's allowed ranks; -1 = not adapted.
  const level = candidates.map(() => -1);
  const rankOf = (i: number) => (level[i]! < 0 ? 0 : allowed[i]![level[i]!]!);
  let left = o.budget;
  for (;;) {
    let best = -1;
    let bestGain = 0;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      const from = rankOf(i);
      const to = allowed[i]![level[i]! + 1];
      if (to === undefined) continue;
      const cost = (to - from) * c.paramsPerRank;
      if (cost > left) continue;
      const gain = (c.score * (Math.log2(1 + to) - Math.log2(1 + from))) / cost;
      if (gain > bestGain) {
        best = i;
        bestGain = gain;
      }
    }
    if (best < 0) break;
    const from = rankOf(best);
    level[best]! += 1;
    left -= (rankOf(best) - from) * candidates[best]!.paramsPerRank;
  }
  return new Map(candidates.map((c, i) => [c.path, rankOf(i)]));
}

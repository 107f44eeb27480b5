/** A module competing for LoRA rank: its sensitivity and what one rank of LoRA costs there. */
export interface RankCandidate {
  readonly path: string;
  readonly score: number;
  /** Trainable parameters per unit of rank (`in + out` for a Linear: A is r x in, B is out x r). */
  readonly paramsPerRank: number;
  /** Largest useful rank (`min(in, out)` for a Linear). */
  readonly maxRank: number;
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
 * with zero sensitivity never gets a rank. Deterministic: ties go to the earlier candidate.
 */
export function allocateRanks(
  candidates: readonly RankCandidate[],
  o: AllocateRanksOptions,
): Map<string, number> {
  const levels = [...(o.ranks ?? [2, 4, 8, 16, 32, 64])];
  if (
    !levels.length ||
    levels.some((r, i) => !Number.isInteger(r) || r < 1 || (i > 0 && r <= levels[i - 1]!))
  ) {
    throw new Error(`allocateRanks: ranks must be ascending positive integers, got [${levels}]`);
  }
  if (!(o.budget >= 0)) throw new Error(`allocateRanks: budget must be >= 0, got ${o.budget}`);
  const level = candidates.map(() => -1);
  let left = o.budget;
  for (;;) {
    let best = -1;
    let bestGain = 0;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      const from = level[i]! < 0 ? 0 : levels[level[i]!]!;
      const to = levels[level[i]! + 1];
      if (to === undefined || to > c.maxRank || !(c.score > 0)) continue;
      const cost = (to - from) * c.paramsPerRank;
      if (cost > left) continue;
      const gain = (c.score * (Math.log2(1 + to) - Math.log2(1 + from))) / cost;
      if (gain > bestGain) {
        best = i;
        bestGain = gain;
      }
    }
    if (best < 0) break;
    const c = candidates[best]!;
    const from = level[best]! < 0 ? 0 : levels[level[best]!]!;
    level[best]! += 1;
    left -= (levels[level[best]!]! - from) * c.paramsPerRank;
  }
  return new Map(candidates.map((c, i) => [c.path, level[i]! < 0 ? 0 : levels[level[i]!]!]));
}

/** The schedule fields of an AdaLoRA config that rank allocation follows. */
export interface BudgetSchedule {
  tinit: number;
  tfinal: number;
  totalStep: number;
  deltaT: number;
}

/**
 * HF's `RankAllocator.budget_schedule`: how many singular triplets (summed over every module) may
 * stay at `step`, and whether this step re-allocates. Up to `tinit` the whole initial budget and
 * no masking; after `totalStep - tfinal` the target budget; in between a cubic decrease from
 * `initBudget` to `targetBudget`, re-allocating every `deltaT` steps.
 */
export function budgetAt(
  s: BudgetSchedule,
  initBudget: number,
  targetBudget: number,
  step: number,
): { budget: number; mask: boolean } {
  if (step <= s.tinit) return { budget: initBudget, mask: false };
  if (step > s.totalStep - s.tfinal) return { budget: targetBudget, mask: true };
  const left = 1 - (step - s.tinit) / (s.totalStep - s.tfinal - s.tinit);
  // Python's int() truncates toward zero; the budget is never negative.
  const budget = Math.trunc((initBudget - targetBudget) * left ** 3 + targetBudget);
  return { budget, mask: step % s.deltaT === 0 };
}

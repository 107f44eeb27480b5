import type { Rng } from '@peftkit/core';

/** BERT's masking recipe. */
export interface MlmMaskingOptions {
  /** Share of maskable tokens selected (default 0.15). */
  probability?: number;
  maskId: number;
  vocabSize: number;
}

/**
 * BERT's masked-LM corruption of one row, in place: each maskable position is selected with
 * `probability`; a selected token becomes [MASK] 80% of the time, a random token 10%, itself
 * 10%. Returns the targets: the original id at selected positions, -100 elsewhere. At least one
 * position is selected when any is maskable, so the loss is never an empty mean.
 */
export function maskTokens(
  ids: number[],
  maskable: readonly boolean[],
  options: MlmMaskingOptions,
  rng: Rng,
): number[] {
  const p = options.probability ?? 0.15;
  const targets = ids.map(() => -100);
  const candidates = maskable.flatMap((m, i) => (m ? [i] : []));
  if (candidates.length === 0) return targets;
  let chosen = candidates.filter(() => rng.next() < p);
  if (chosen.length === 0) chosen = [candidates[rng.int(candidates.length)] as number];
  for (const i of chosen) {
    targets[i] = ids[i] as number;
    const r = rng.next();
    if (r < 0.8) ids[i] = options.maskId;
    else if (r < 0.9) ids[i] = rng.int(options.vocabSize);
  }
  return targets;
}

import { z } from 'zod';
import { type ConfigInput, defineConfig } from '../../config.js';
import { type LycorisLayerSettings, lycorisConfigShape, lycorisSettingsFor } from '../loha/lycoris-config.js';

/**
 * LoKr options with HF PEFT's names and defaults (`r=8`, `alpha=8`, `rank_dropout=0`,
 * `module_dropout=0`, `use_effective_conv2d=false`, `decompose_both=false`,
 * `decompose_factor=-1`, `rank_dropout_scale=false`, `init_weights=true`, patterns `{}`).
 */
export const lokrConfig = defineConfig('LOKR', {
  ...lycorisConfigShape,
  /** Also factor the left Kronecker matrix `w1` into `w1_a @ w1_b` when `r` is small enough. */
  decomposeBoth: z.boolean().default(false),
  /** Preferred size of the first factor of each dimension; `-1` = near the square root. */
  decomposeFactor: z
    .number()
    .int()
    .refine((v) => v === -1 || v > 0, { message: 'must be -1 or a positive integer' })
    .default(-1),
  /** Rescale kept rows by 1 / (kept fraction) under rank dropout. */
  rankDropoutScale: z.boolean().default(false),
  /**
   * `true`: HF's init, `w1` (or `w1_a`) zero so ΔW starts at 0. `'lycoris'`: LyCORIS' init, `w2`
   * (or `w2_b`) zero instead. `false`: every factor random.
   */
  initWeights: z.union([z.boolean(), z.literal('lycoris')]).default(true),
});

export type LokrConfig = ReturnType<typeof lokrConfig.parse>;

/** What `getPeftModel` accepts for LOKR (`peftType: 'LOKR'`), for editors to complete and check. */
export type LokrConfigInput = ConfigInput<typeof lokrConfig>;

/** The per-layer settings a LoKr layer needs after rank/alpha patterns are applied. */
export interface LokrLayerSettings extends LycorisLayerSettings {
  decomposeBoth: boolean;
  decomposeFactor: number;
  rankDropoutScale: boolean;
  initWeights: boolean | 'lycoris';
}

export function lokrSettingsFor(config: LokrConfig, path: string): LokrLayerSettings {
  return {
    ...lycorisSettingsFor(config, path),
    decomposeBoth: config.decomposeBoth,
    decomposeFactor: config.decomposeFactor,
    rankDropoutScale: config.rankDropoutScale,
    initWeights: config.initWeights,
  };
}

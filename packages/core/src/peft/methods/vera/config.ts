import { z } from 'zod';
import { type ConfigInput, defineConfig } from '../../config.js';

/**
 * VeRA options with HF PEFT's names and defaults (`r=256`, `projection_prng_key=0`,
 * `save_projection=true`, `vera_dropout=0`, `d_initial=0.1`, `fan_in_fan_out=false`,
 * `bias='none'`, `init_weights=true`).
 */
export const veraConfig = defineConfig(
  'VERA',
  {
    /** Rank of the shared random projections; VeRA uses far larger ranks than LoRA. */
    r: z.number().int().positive().default(256),
    /** Seed of the shared projections (peftkit's generator, not PyTorch's: see `saveProjection`). */
    projectionPrngKey: z.number().int().default(0),
    /**
     * Save `vera_A` / `vera_B` in `adapter_model.safetensors` (HF's default). Without them a
     * file only reloads where the same generator rebuilds the same matrices: peftkit's seeded
     * generator is not PyTorch's, so such files do not move between peftkit and Python.
     */
    saveProjection: z.boolean().default(true),
    veraDropout: z.number().min(0).max(1).lt(1).default(0),
    /** Initial value of every entry of `vera_lambda_d`. */
    dInitial: z.number().default(0.1),
    /** For GPT-2 style Conv1D weights; peftkit's Linear never needs it (ignored with a warning). */
    fanInFanOut: z.boolean().default(false),
    /** Also train biases: every bias (`all`) or those of adapted layers (`vera_only`); both saved. */
    bias: z.enum(['none', 'all', 'vera_only']).default('none'),
    /** `true`: `lambda_b = 0`, `lambda_d = d_initial` (ΔW starts at 0); `false`: `lambda_b = 1`, `lambda_d ~ N(0, 1)`. */
    initWeights: z.boolean().default(true),
  },
  (config, ctx) => {
    // HF's own check: a layers pattern only selects layers together with layers_to_transform.
    if (config.layersPattern !== undefined && config.layersToTransform === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['layersPattern'],
        message: 'layersPattern needs layersToTransform',
      });
    }
  },
);

export type VeraConfig = ReturnType<typeof veraConfig.parse>;

/** What `getPeftModel` accepts for VERA (`peftType: 'VERA'`), for editors to complete and check. */
export type VeraConfigInput = ConfigInput<typeof veraConfig>;

/** Per-layer VeRA settings. */
export interface VeraLayerSettings {
  r: number;
  veraDropout: number;
  dInitial: number;
  initWeights: boolean;
}

export function veraSettingsFor(config: VeraConfig): VeraLayerSettings {
  return {
    r: config.r,
    veraDropout: config.veraDropout,
    dInitial: config.dInitial,
    initWeights: config.initWeights,
  };
}

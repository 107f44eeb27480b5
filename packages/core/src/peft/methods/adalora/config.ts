import { z } from 'zod';
import { type ConfigInput, type ConfigSpec, defineConfig } from '../../config.js';

/**
 * AdaLoRA options with HF PEFT's names and defaults (`AdaLoraConfig`): `init_r=12` triplets per
 * module at the start, pruned by importance to an average of `target_r=8` per module; `tinit`
 * warm-up steps without pruning, `tfinal` final steps with the ranks frozen, a new allocation
 * every `deltaT` steps in between; `beta1` / `beta2` smooth the importance and its uncertainty;
 * `orth_reg_weight` weighs the orthogonal regulariser of A and B.
 */
const baseAdaloraConfig = defineConfig(
  'ADALORA',
  {
    /** Ignored, as in HF (kept for the file: HF's LoraConfig field); the rank is `initR`. */
    r: z.number().int().nonnegative().default(8),
    targetR: z.number().int().nonnegative().default(8),
    initR: z.number().int().nonnegative().default(12),
    tinit: z.number().int().nonnegative().default(0),
    tfinal: z.number().int().nonnegative().default(0),
    deltaT: z.number().int().positive().default(1),
    beta1: z.number().gt(0).lt(1).default(0.85),
    beta2: z.number().gt(0).lt(1).default(0.85),
    orthRegWeight: z.number().min(0).default(0.5),
    /**
     * Optimizer steps of the whole run (HF requires it). Optional here: the Trainer fills it with
     * the run's total steps when training starts and none is given.
     */
    totalStep: z.number().int().positive().optional(),
    /**
     * Kept triplets per module after rank allocation, keyed `<module path>.lora_E` (HF's key):
     * written at save time; a file with it loads at the kept ranks.
     */
    rankPattern: z.record(z.string(), z.array(z.boolean())).optional(),
    /** `scaling = loraAlpha` (HF: `lora_alpha if lora_alpha > 0 else r`), divided by the rank `init_r`. */
    loraAlpha: z.number().nonnegative().default(8),
    loraDropout: z.number().min(0).max(1).lt(1).default(0),
    /** `true`: E = 0, A and B ~ N(0, 0.02^2) (output unchanged at init); `false`: all N(0, 1). */
    initLoraWeights: z.boolean().default(true),
    /** Only `'none'`: peftkit's AdaLoRA trains no biases. */
    bias: z.literal('none').default('none'),
    /** For GPT-2 style Conv1D weights; peftkit's Linear never needs it (kept for the file). */
    fanInFanOut: z.boolean().default(false),
  },
  (config, ctx) => {
    if (config.targetR > config.initR) {
      ctx.addIssue({
        code: 'custom',
        path: ['targetR'],
        message: `targetR (${config.targetR}) must not exceed initR (${config.initR}): ranks only shrink`,
      });
    }
    if (config.totalStep !== undefined) {
      const problem = scheduleProblem(config.tinit, config.tfinal, config.totalStep);
      if (problem) ctx.addIssue({ code: 'custom', path: ['tinit'], message: problem });
    }
    if (config.layersPattern !== undefined && config.layersToTransform === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['layersPattern'],
        message: 'layersPattern needs layersToTransform',
      });
    }
  },
);

/** HF's check: the steps between `tinit` and `totalStep - tfinal` must leave room for pruning. */
export function scheduleProblem(tinit: number, tfinal: number, totalStep: number): string | undefined {
  if (tinit < totalStep - tfinal) return undefined;
  return (
    `tinit (${tinit}) must be below totalStep - tfinal (${totalStep} - ${tfinal}): the schedule leaves no ` +
    'budgeting phase; decrease tfinal/tinit or increase totalStep'
  );
}

export type AdaloraConfig = ReturnType<typeof baseAdaloraConfig.parse>;

/** What `getPeftModel` accepts for ADALORA (`peftType: 'ADALORA'`). */
export type AdaloraConfigInput = ConfigInput<typeof baseAdaloraConfig>;

/** HF options that would change what AdaLoRA computes; a file setting one is refused. */
const UNSUPPORTED_FILE_KEYS: Readonly<Record<string, (v: unknown) => boolean>> = {
  use_dora: (v) => v === true,
  loftq_config: (v) => v != null && !(typeof v === 'object' && Object.keys(v as object).length === 0),
  layer_replication: (v) => v != null,
};

/**
 * The AdaLoRA config spec. Files use HF's keys: snake_case except `deltaT`, which HF spells in
 * camelCase. HF's other LoraConfig keys in an AdaLoRA file (`use_rslora`, `alpha_pattern`, ...)
 * do not affect AdaLoRA and round-trip unchanged.
 */
export const adaloraConfig: ConfigSpec<AdaloraConfig, AdaloraConfigInput> = {
  ...baseAdaloraConfig,
  fromFile(json, source = 'adapter_config.json') {
    const bad = Object.entries(UNSUPPORTED_FILE_KEYS)
      .filter(([k, isSet]) => k in json && isSet(json[k]))
      .map(([k]) => `${k}=${JSON.stringify(json[k])}`);
    if (bad.length) throw new Error(`${source}: ADALORA options not supported by peftkit: ${bad.join(', ')}`);
    return baseAdaloraConfig.fromFile(json, source);
  },
  toFile(config, extraFileKeys) {
    const out = baseAdaloraConfig.toFile(config, extraFileKeys);
    if ('delta_t' in out) {
      out['deltaT'] = out['delta_t'];
      delete out['delta_t'];
    }
    return out;
  },
};

/** What one AdaLoRA layer needs for one adapter. */
export interface AdaloraLayerSettings {
  /** Triplets this layer holds: `initR`, or the kept count when a rank pattern is loaded. */
  r: number;
  /** HF's `ranknum`: the rank the scaling divides by, always `initR`. */
  ranknum: number;
  loraAlpha: number;
  loraDropout: number;
  initLoraWeights: boolean;
}

/** HF's `rank_pattern` key of a module: its path plus `.lora_E`. */
export function rankPatternKey(path: string): string {
  return `${path}.lora_E`;
}

export function adaloraSettingsFor(config: AdaloraConfig, path: string): AdaloraLayerSettings {
  const pattern = config.rankPattern?.[rankPatternKey(path)];
  return {
    r: pattern ? pattern.filter(Boolean).length : config.initR,
    ranknum: config.initR,
    loraAlpha: config.loraAlpha,
    loraDropout: config.loraDropout,
    initLoraWeights: config.initLoraWeights,
  };
}

import { z } from 'zod';
import { type ConfigInput, type ConfigSpec, defineConfig, type Simplify } from '../../config.js';
import { patternValue } from '../../targets.js';

/**
 * How a fresh adapter's `A` / `B` start, as HF PEFT's `init_lora_weights`:
 * - `true`: A kaiming-uniform, B zero (Embedding: A zero, B normal), so the output is unchanged;
 * - `'gaussian'`: A ~ N(0, 1/r^2), B zero (Embedding: as `true`, like HF);
 * - `false`: both random (the adapter changes the output from the start; for tests);
 * - `'pissa'`: A, B from the top-r singular triplets of the base weight (exact SVD), and the
 *   base weight replaced by the residual `W - scaling * BA` (Linear only);
 * - `'pissa_niter_<n>'`: the same with a randomized SVD using `n` subspace iterations (fast).
 */
export type LoraInit = boolean | 'gaussian' | 'pissa' | `pissa_niter_${number}`;

const PISSA_NITER = /^pissa_niter_(\d+)$/;

/** HF init modes peftkit does not implement; named in the error. */
const UNSUPPORTED_INITS = ['olora', 'loftq', 'eva', 'corda', 'orthogonal'];

/** `undefined` for non-PiSSA inits, else the subspace-iteration count (`'exact'` for plain `'pissa'`). */
export function pissaIterations(init: LoraInit | string | boolean): number | 'exact' | undefined {
  if (init === 'pissa') return 'exact';
  if (typeof init !== 'string') return undefined;
  const m = PISSA_NITER.exec(init);
  return m ? Number(m[1]) : undefined;
}

const baseLoraConfig = defineConfig(
  'LORA',
  {
    r: z.number().int().positive().default(8),
    loraAlpha: z.number().positive().default(8),
    loraDropout: z.number().min(0).max(1).lt(1).default(0),
    bias: z.enum(['none', 'all', 'lora_only']).default('none'),
    useRslora: z.boolean().default(false),
    useDora: z.boolean().default(false),
    /** Checked in the refinement below so the error can list the accepted values. */
    initLoraWeights: z.union([z.boolean(), z.string()]).default(true),
    rankPattern: z.record(z.string(), z.number().int().positive()).default({}),
    alphaPattern: z.record(z.string(), z.number().positive()).default({}),
    /**
     * HF sets this for transformers `Conv1D` bases, which store weights (in, out). peftkit
     * architectures use `Linear` and convert such weights when loading, and the LoRA A/B shapes
     * are the same either way, so the flag is kept for the file but has no effect.
     */
    fanInFanOut: z.boolean().default(false),
    /** HF's `lora_bias`: a trainable bias on `lora_B` (not for Embedding). */
    loraBias: z.boolean().default(false),
  },
  (config, ctx) => {
    const init = config.initLoraWeights;
    if (typeof init === 'string' && init !== 'gaussian' && pissaIterations(init) === undefined) {
      const hint = UNSUPPORTED_INITS.includes(init.toLowerCase())
        ? ` ('${init}' is not implemented in peftkit)`
        : '';
      ctx.addIssue({
        code: 'custom',
        path: ['initLoraWeights'],
        message: `expected true, false, 'gaussian', 'pissa' or 'pissa_niter_<n>', got '${init}'${hint}`,
      });
    }
    if (config.useDora && config.loraBias) {
      ctx.addIssue({
        code: 'custom',
        path: ['loraBias'],
        message:
          'loraBias cannot be combined with useDora (the merged result would not match the forward pass)',
      });
    }
  },
);

/** The validated LoRA config (camelCase); `initLoraWeights` is a `LoraInit` once parsed. */
export type LoraConfig = ReturnType<typeof baseLoraConfig.parse>;

/**
 * What `getPeftModel` accepts for LORA (`peftType: 'LORA'`), with `initLoraWeights` narrowed to
 * the accepted values.
 */
export type LoraConfigInput = Simplify<
  Omit<ConfigInput<typeof baseLoraConfig>, 'initLoraWeights'> & { readonly initLoraWeights?: LoraInit }
>;

/**
 * HF options that change what LoRA computes; when a file sets one of them to a non-default value
 * peftkit refuses the file rather than silently computing something else.
 */
const UNSUPPORTED_FILE_KEYS: Readonly<Record<string, (v: unknown) => boolean>> = {
  use_qalora: (v) => v === true,
  use_alora: (v) => v === true,
  alora_invocation_tokens: (v) => v != null,
  layer_replication: (v) => v != null,
  trainable_token_indices: (v) => v != null,
  target_parameters: (v) => v != null && !(Array.isArray(v) && v.length === 0),
  arrow_config: (v) => v != null,
  use_kasa: (v) => v === true,
};

/**
 * LoRA options, with HF PEFT's names and defaults (`r=8`, `lora_alpha=8`, ...).
 * `rankPattern` / `alphaPattern` map a module-name pattern (suffix or regex, as HF) to a rank /
 * alpha that overrides `r` / `loraAlpha` for the modules it matches.
 *
 * Reading `adapter_config.json` is lossless: unknown keys (`megatron_config`, `loftq_config`, ...)
 * and known keys HF wrote as `null` are kept and written back unchanged.
 */
export const loraConfig: ConfigSpec<LoraConfig, LoraConfigInput> = {
  ...baseLoraConfig,
  schema: baseLoraConfig.schema as unknown as ConfigSpec<LoraConfig, LoraConfigInput>['schema'],
  fromFile(json, source = 'adapter_config.json') {
    const bad = Object.entries(UNSUPPORTED_FILE_KEYS)
      .filter(([k, isSet]) => k in json && isSet(json[k]))
      .map(([k]) => `${k}=${JSON.stringify(json[k])}`);
    if (bad.length) {
      throw new Error(`${source}: LORA options not supported by peftkit: ${bad.join(', ')}`);
    }
    const { config, extraFileKeys } = baseLoraConfig.fromFile(json, source);
    // Known keys written as null are dropped by the parse; keep them so the file round-trips.
    const extras = { ...extraFileKeys };
    for (const [k, v] of Object.entries(json)) if (v === null && !(k in extras)) extras[k] = null;
    return { config, extraFileKeys: extras };
  },
};

/** The per-layer settings a LoRA layer needs after rank/alpha patterns are applied. */
export interface LoraLayerSettings {
  r: number;
  loraAlpha: number;
  loraDropout: number;
  useRslora: boolean;
  useDora: boolean;
  initLoraWeights: LoraInit;
  loraBias: boolean;
}

/**
 * Applies `rankPattern` / `alphaPattern` to one module path, as HF PEFT does: the first pattern
 * that matches the path (suffix match, or a regex matching the end of the path) wins.
 */
export function loraSettingsFor(config: LoraConfig, path: string): LoraLayerSettings {
  return {
    r: patternValue(config.rankPattern, path) ?? config.r,
    loraAlpha: patternValue(config.alphaPattern, path) ?? config.loraAlpha,
    loraDropout: config.loraDropout,
    useRslora: config.useRslora,
    useDora: config.useDora,
    initLoraWeights: config.initLoraWeights as LoraInit,
    loraBias: config.loraBias,
  };
}

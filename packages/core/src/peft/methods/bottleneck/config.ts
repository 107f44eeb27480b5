import { z } from 'zod';
import { type ConfigInput, type ConfigSpec, defineConfig, type PeftConfig } from '../../config.js';

/** Where the adapters go and how they combine with the wrapped module. */
export const BOTTLENECK_VARIANTS = ['pfeiffer', 'houlsby', 'parallel'] as const;
export type BottleneckVariant = (typeof BOTTLENECK_VARIANTS)[number];

export const BOTTLENECK_NON_LINEARITIES = ['relu', 'gelu', 'silu', 'tanh'] as const;
export type BottleneckNonLinearity = (typeof BOTTLENECK_NON_LINEARITIES)[number];

/**
 * Defaults per variant, after AdapterHub's presets: `seq_bn` (Pfeiffer), `double_seq_bn`
 * (Houlsby; AdapterHub's `swish` is SiLU) and `par_bn` (He et al.'s parallel adapter).
 */
export const BOTTLENECK_VARIANT_DEFAULTS: Readonly<
  Record<
    BottleneckVariant,
    { reductionFactor: number; nonLinearity: BottleneckNonLinearity; scaling: number }
  >
> = {
  pfeiffer: { reductionFactor: 16, nonLinearity: 'relu', scaling: 1 },
  houlsby: { reductionFactor: 16, nonLinearity: 'silu', scaling: 1 },
  parallel: { reductionFactor: 2, nonLinearity: 'relu', scaling: 4 },
};

const baseConfig = defineConfig(
  'BOTTLENECK',
  {
    variant: z.enum(BOTTLENECK_VARIANTS).default('pfeiffer'),
    /** Hidden width / bottleneck width; default per variant (16, 16, 2). */
    reductionFactor: z.number().positive().optional(),
    /** Bottleneck width; wins over `reductionFactor` when set. */
    bottleneckSize: z.number().int().positive().optional(),
    nonLinearity: z.enum(BOTTLENECK_NON_LINEARITIES).optional(),
    /** Sequential variants add the adapter output to its input (`h + A(h)`); false returns `A(h)`. */
    residual: z.boolean().default(true),
    /** Multiplies the adapter output; default per variant (1, 1, 4). */
    scaling: z.number().finite().optional(),
    adapterDropout: z.number().min(0).lt(1).default(0),
    /** `true`: the up-projection starts at exactly zero, so a fresh adapter is the identity. */
    initWeights: z.boolean().default(true),
  },
  (config, ctx) => {
    if (config.variant === 'parallel' && !config.residual) {
      ctx.addIssue({
        code: 'custom',
        path: ['residual'],
        message:
          "residual: false only applies to the sequential variants ('pfeiffer', 'houlsby'); a parallel adapter is always added to the wrapped module's output",
      });
    }
  },
);

/** A validated bottleneck config with the variant's defaults filled in. */
export type BottleneckConfig = ReturnType<typeof baseConfig.parse> & {
  nonLinearity: BottleneckNonLinearity;
  scaling: number;
};

/** What `getPeftModel` accepts for BOTTLENECK (`peftType: 'BOTTLENECK'`). */
export type BottleneckConfigInput = ConfigInput<typeof baseConfig>;

/** Fills the per-variant defaults (kept out of zod because they depend on `variant`). */
function withVariantDefaults(c: ReturnType<typeof baseConfig.parse>): Readonly<BottleneckConfig> {
  const d = BOTTLENECK_VARIANT_DEFAULTS[c.variant];
  return Object.freeze({
    ...c,
    ...(c.bottleneckSize === undefined ? { reductionFactor: c.reductionFactor ?? d.reductionFactor } : {}),
    nonLinearity: c.nonLinearity ?? d.nonLinearity,
    scaling: c.scaling ?? d.scaling,
  });
}

/**
 * Bottleneck adapter options (peftkit's own `peft_type: "BOTTLENECK"`; HF PEFT has no such
 * method). The resolved defaults are written to `adapter_config.json`, so a file states the
 * exact adapter it holds.
 */
export const bottleneckConfig: ConfigSpec<BottleneckConfig & PeftConfig, BottleneckConfigInput> = {
  peftType: baseConfig.peftType,
  // The schema validates only; `parse` and `fromFile` also fill the per-variant defaults.
  schema: baseConfig.schema as unknown as ConfigSpec<
    BottleneckConfig & PeftConfig,
    BottleneckConfigInput
  >['schema'],
  parse: (raw) => withVariantDefaults(baseConfig.parse(raw)),
  fromFile(json, source) {
    const { config, extraFileKeys } = baseConfig.fromFile(json, source);
    return { config: withVariantDefaults(config), extraFileKeys };
  },
  toFile: (config, extraFileKeys) => baseConfig.toFile(config, extraFileKeys),
};

/** What one bottleneck layer needs for one adapter. */
export interface BottleneckLayerSettings {
  parallel: boolean;
  /** Bottleneck width; when absent, `max(1, floor(outDim / reductionFactor))`. */
  bottleneckSize: number | undefined;
  reductionFactor: number | undefined;
  nonLinearity: BottleneckNonLinearity;
  residual: boolean;
  scaling: number;
  adapterDropout: number;
  initWeights: boolean;
}

export function bottleneckLayerSettings(config: BottleneckConfig): BottleneckLayerSettings {
  return {
    parallel: config.variant === 'parallel',
    bottleneckSize: config.bottleneckSize,
    reductionFactor: config.reductionFactor,
    nonLinearity: config.nonLinearity,
    residual: config.residual,
    scaling: config.scaling,
    adapterDropout: config.adapterDropout,
    initWeights: config.initWeights,
  };
}

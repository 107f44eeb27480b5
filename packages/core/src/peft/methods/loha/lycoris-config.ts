import { z } from 'zod';
import { patternValue } from '../../targets.js';

/**
 * Options LoHa and LoKr share, after HF PEFT's `LycorisConfig` and the fields both configs
 * declare, with HF's names and defaults. `rankPattern` / `alphaPattern` map a module-name pattern
 * to a rank / alpha that overrides `r` / `alpha` for the modules it matches.
 */
export const lycorisConfigShape = {
  r: z.number().int().positive().default(8),
  alpha: z.number().positive().default(8),
  /** Training only: drops output rows of the weight update (not the rank, despite the name). */
  rankDropout: z.number().min(0).max(1).default(0),
  /** Training only: skips the whole adapter for a call with this probability. */
  moduleDropout: z.number().min(0).max(1).default(0),
  /** Conv2d with a kernel larger than 1x1: factor the kernel as a CP/Tucker core (FedPara Prop. 3). */
  useEffectiveConv2d: z.boolean().default(false),
  rankPattern: z.record(z.string(), z.number().int().positive()).default({}),
  alphaPattern: z.record(z.string(), z.number().positive()).default({}),
} as const;

/** What every LyCORIS layer needs per adapter, after patterns are applied. */
export interface LycorisLayerSettings {
  r: number;
  alpha: number;
  rankDropout: number;
  moduleDropout: number;
  useEffectiveConv2d: boolean;
}

/** The shared settings of one module path: rank and alpha after `rankPattern` / `alphaPattern`. */
export function lycorisSettingsFor(
  config: LycorisLayerSettings & {
    rankPattern: Readonly<Record<string, number>>;
    alphaPattern: Readonly<Record<string, number>>;
  },
  path: string,
): LycorisLayerSettings {
  return {
    r: patternValue(config.rankPattern, path) ?? config.r,
    alpha: patternValue(config.alphaPattern, path) ?? config.alpha,
    rankDropout: config.rankDropout,
    moduleDropout: config.moduleDropout,
    useEffectiveConv2d: config.useEffectiveConv2d,
  };
}

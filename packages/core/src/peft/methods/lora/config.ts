import { z } from 'zod';
import { defineConfig } from '../../config.js';

/**
 * LoRA options, with HF PEFT's names and defaults (`r=8`, `lora_alpha=8`, ...).
 * `rankPattern` / `alphaPattern` map a module-name pattern (suffix or regex, as HF) to a rank /
 * alpha that overrides `r` / `loraAlpha` for the modules it matches.
 */
export const loraConfig = defineConfig('LORA', {
  r: z.number().int().positive().default(8),
  loraAlpha: z.number().positive().default(8),
  loraDropout: z.number().min(0).max(1).lt(1).default(0),
  bias: z.enum(['none', 'all', 'lora_only']).default('none'),
  useRslora: z.boolean().default(false),
  useDora: z.boolean().default(false),
  initLoraWeights: z.union([z.boolean(), z.enum(['gaussian', 'pissa'])]).default(true),
  rankPattern: z.record(z.string(), z.number().int().positive()).default({}),
  alphaPattern: z.record(z.string(), z.number().positive()).default({}),
  fanInFanOut: z.boolean().default(false),
});

export type LoraConfig = ReturnType<typeof loraConfig.parse>;

/** The per-layer settings a LoRA layer needs after rank/alpha patterns are applied. */
export interface LoraLayerSettings {
  r: number;
  loraAlpha: number;
  loraDropout: number;
  useRslora: boolean;
  useDora: boolean;
  initLoraWeights: boolean | 'gaussian' | 'pissa';
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
    initLoraWeights: config.initLoraWeights,
  };
}

function patternValue(patterns: Readonly<Record<string, number>>, path: string): number | undefined {
  for (const [pattern, value] of Object.entries(patterns)) {
    if (path === pattern || path.endsWith(`.${pattern}`)) return value;
    try {
      if (new RegExp(`(?:^|\\.)(?:${pattern})$`).test(path)) return value;
    } catch {
      // Not a valid regex: only the suffix rule applies.
    }
  }
  return undefined;
}

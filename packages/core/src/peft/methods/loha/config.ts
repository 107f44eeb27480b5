import { z } from 'zod';
import { type ConfigInput, type ConfigSpec, defineConfig } from '../../config.js';
import { type LycorisLayerSettings, lycorisConfigShape, lycorisSettingsFor } from './lycoris-config.js';

const spec = defineConfig('LOHA', {
  ...lycorisConfigShape,
  /**
   * `true` (default): HF's init, kaiming-uniform factors with `hada_w2_b` zero so ΔW starts at 0.
   * `false`: every factor random (the adapter changes the output from the start).
   */
  initWeights: z.boolean().default(true),
});

export type LohaConfig = ReturnType<typeof spec.parse>;

/** What `getPeftModel` accepts for LOHA (`peftType: 'LOHA'`). */
export type LohaConfigInput = ConfigInput<typeof spec>;

/**
 * LoHa options with HF PEFT's names and defaults (`r=8`, `alpha=8`, `rank_dropout=0`,
 * `module_dropout=0`, `use_effective_conv2d=false`, `init_weights=true`, patterns `{}`).
 *
 * Newer HF releases add ABBA options to LoHa (`init_weights="abba"`, a second rank `r2`,
 * `use_khatri_rao`). An `adapter_config.json` that uses them is rejected with a clear error
 * rather than loaded with different math.
 */
export const lohaConfig: ConfigSpec<LohaConfig, LohaConfigInput> = {
  ...spec,
  fromFile(json, source = 'adapter_config.json') {
    const unsupported: string[] = [];
    if (json['init_weights'] === 'abba' || json['init_weights'] === 'ABBA')
      unsupported.push(`init_weights: 'abba' (needs an SVD of the base weight)`);
    if (json['use_khatri_rao'] === true) unsupported.push('use_khatri_rao: true (ABBA scaling)');
    if (json['r2'] !== undefined && json['r2'] !== null && json['r2'] !== json['r'])
      unsupported.push(`r2: ${String(json['r2'])} (a second Hadamard rank)`);
    if (unsupported.length) {
      throw new Error(`${source}: LOHA options peftkit does not support: ${unsupported.join('; ')}`);
    }
    return spec.fromFile(json, source);
  },
};

/** The per-layer settings a LoHa layer needs after rank/alpha patterns are applied. */
export interface LohaLayerSettings extends LycorisLayerSettings {
  initWeights: boolean;
}

export function lohaSettingsFor(config: LohaConfig, path: string): LohaLayerSettings {
  return {
    ...lycorisSettingsFor(config, path),
    initWeights: config.initWeights,
  };
}

import { type ConfigInput, defineConfig } from '../../config.js';

/**
 * LayerNorm tuning (HF `LN_TUNING`, Zhao et al. 2023): each targeted normalisation module gets a
 * trainable copy per adapter. No options of its own; targets come from `targetModules` /
 * `targetRoles` / `excludeModules`, and default to the placement's `norm` role, else every
 * LayerNorm / RMSNorm / BatchNorm module of the model.
 */
export const lnTuningConfig = defineConfig('LN_TUNING', {});

export type LnTuningConfig = ReturnType<typeof lnTuningConfig.parse>;

/** What `getPeftModel` accepts for LN_TUNING (`peftType: 'LN_TUNING'`), for editors to complete and check. */
export type LnTuningConfigInput = ConfigInput<typeof lnTuningConfig>;

import { type ConfigInput, defineConfig, z } from '@peftkit/core';

/**
 * FEATURE_AFFINE options (this plugin's own `peft_type`). Without `targetModules` /
 * `targetRoles` the method adapts the placement's `embed` role: the MLP's input projection.
 *
 * - `shift` (default true): learn an offset per feature as well as a scale; `false` learns the
 *   scale only (half the parameters).
 */
export const featureAffineConfig = defineConfig('FEATURE_AFFINE', {
  shift: z.boolean().default(true),
});

/** A validated FEATURE_AFFINE config. */
export type FeatureAffineConfig = ReturnType<typeof featureAffineConfig.parse>;

/** What `getPeftModel` accepts for FEATURE_AFFINE. */
export type FeatureAffineConfigInput = ConfigInput<typeof featureAffineConfig>;

// Typed configs for this plugin's users: `getPeftModel(model, { peftType: 'FEATURE_AFFINE', ... })`
// and presets are checked like the built-in methods' (see `PeftConfigMap`).
declare module '@peftkit/core' {
  interface PeftConfigMap {
    FEATURE_AFFINE: FeatureAffineConfigInput;
  }
}

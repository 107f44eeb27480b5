import { defineConfig, z } from '@peftkit/core';

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

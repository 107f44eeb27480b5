import { defineTunerMethod, Linear, layerFactory, type PeftMethodContribution } from '@peftkit/core';
import { type FeatureAffineConfig, featureAffineConfig } from './config.js';
import { FeatureAffineLayer, type FeatureAffineSettings } from './layer.js';

/**
 * FEATURE_AFFINE as a PEFT method the tabular plugin contributes through the host
 * (`bind(PeftMethodContribution)`): a learned scale and shift per input feature of the targets,
 * by default the `embed` role (the MLP's input projection). Mergeable.
 */
export const featureAffineMethod: PeftMethodContribution<FeatureAffineConfig> = {
  ...defineTunerMethod<FeatureAffineConfig>({
    peftType: 'FEATURE_AFFINE',
    config: featureAffineConfig,
    factories: [layerFactory('Linear', Linear, FeatureAffineLayer)],
    layerClasses: [FeatureAffineLayer],
    mergeable: true,
    layerConfig: (config) => ({ shift: config.shift }) satisfies FeatureAffineSettings,
  }),
  defaultTargets: (_config, { placement, architectureDefault }) =>
    placement?.roles.includes('embed') ? { targetRoles: ['embed'] } : architectureDefault,
  description: 'per-feature scale and shift in front of the input projection (re-calibrates drifted columns)',
};

export { type FeatureAffineConfig, type FeatureAffineConfigInput, featureAffineConfig } from './config.js';
export { FeatureAffineLayer, type FeatureAffineSettings } from './layer.js';
export { featureAffineMethod } from './method.js';

import { registerPeftMethod } from '../../registry.js';
import { veraMethod } from './method.js';

export {
  type VeraConfig,
  type VeraConfigInput,
  type VeraLayerSettings,
  veraConfig,
  veraSettingsFor,
} from './config.js';
export { VeraLinear } from './layer.js';
export { veraMethod } from './method.js';
export { makeVeraProjections, type VeraPair, VeraProjectionRefs } from './projections.js';

registerPeftMethod(veraMethod);

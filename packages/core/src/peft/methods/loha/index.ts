import { registerPeftMethod } from '../../registry.js';
import { lohaMethod } from './method.js';

export {
  type LohaConfig,
  type LohaConfigInput,
  type LohaLayerSettings,
  lohaConfig,
  lohaSettingsFor,
} from './config.js';
export { LohaLayer } from './layer.js';
export { type LycorisLayerSettings, lycorisConfigShape, lycorisSettingsFor } from './lycoris-config.js';
export { cpRebuild, type LycorisBase, LycorisLayer, type LycorisState } from './lycoris-layer.js';
export { lohaMethod } from './method.js';

registerPeftMethod(lohaMethod);

import { registerPeftMethod } from '../../registry.js';
import { loraMethod } from './method.js';

export { type LoraConfig, type LoraLayerSettings, loraConfig, loraSettingsFor } from './config.js';
export { DoraMagnitude, LoraLinear } from './linear.js';
export { loraMethod } from './method.js';

registerPeftMethod(loraMethod);

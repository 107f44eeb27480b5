import { registerPeftMethod } from '../../registry.js';
import { prefixTuningMethod } from './method.js';

export { type PrefixTuningConfig, type PrefixTuningConfigInput, prefixTuningConfig } from './config.js';
export { PrefixEncoder, type PrefixEncoderOptions } from './encoder.js';
export { activePrefixLength, type PrefixLayerSettings, PrefixTuningLayer } from './layer.js';
export { prefixTuningMethod } from './method.js';

registerPeftMethod(prefixTuningMethod);

import { registerPeftMethod } from '../../registry.js';
import { lnTuningMethod } from './method.js';

export { type LnTuningConfig, type LnTuningConfigInput, lnTuningConfig } from './config.js';
export { LnTuningLayer } from './layer.js';
export { lnTuningMethod } from './method.js';

registerPeftMethod(lnTuningMethod);

import { registerPeftMethod } from '../../registry.js';
import { ia3Method } from './method.js';

export { type Ia3Config, type Ia3ConfigInput, type Ia3LayerSettings, ia3Config } from './config.js';
export { Ia3Layer } from './layer.js';
export { ia3Method } from './method.js';

registerPeftMethod(ia3Method);

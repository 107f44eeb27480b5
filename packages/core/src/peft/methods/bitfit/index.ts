import { registerPeftMethod } from '../../registry.js';
import { bitfitMethod } from './method.js';

export { type BitfitConfig, bitfitConfig } from './config.js';
export { bitfitMethod } from './method.js';

registerPeftMethod(bitfitMethod);

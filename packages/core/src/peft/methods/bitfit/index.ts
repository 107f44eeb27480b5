import { registerPeftMethod } from '../../registry.js';
import { bitfitMethod } from './method.js';

export { type BitfitConfig, type BitfitConfigInput, bitfitConfig } from './config.js';
export { bitfitMethod } from './method.js';

registerPeftMethod(bitfitMethod);

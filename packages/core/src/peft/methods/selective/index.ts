import { registerPeftMethod } from '../../registry.js';
import { selectiveMethod } from './method.js';

export { baseParameters } from './base-parameters.js';
export {
  FULL_FINE_TUNING,
  type SelectiveConfig,
  type SelectiveConfigInput,
  selectiveConfig,
} from './config.js';
export { defineInPlaceMethod, type InPlaceMethodSpec, type InPlaceSelection } from './in-place.js';
export { selectiveMethod } from './method.js';
export { resolveUnion, uniqueParameters } from './select.js';

registerPeftMethod(selectiveMethod);

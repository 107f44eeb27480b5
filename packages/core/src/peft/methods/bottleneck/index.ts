import { registerPeftMethod } from '../../registry.js';
import { bottleneckMethod } from './method.js';

export {
  BOTTLENECK_NON_LINEARITIES,
  BOTTLENECK_VARIANT_DEFAULTS,
  BOTTLENECK_VARIANTS,
  type BottleneckConfig,
  type BottleneckConfigInput,
  type BottleneckLayerSettings,
  type BottleneckNonLinearity,
  type BottleneckVariant,
  bottleneckConfig,
  bottleneckLayerSettings,
} from './config.js';
export { BottleneckLayer } from './layer.js';
export { BOTTLENECK_VARIANT_ROLES, bottleneckMethod } from './method.js';

registerPeftMethod(bottleneckMethod);

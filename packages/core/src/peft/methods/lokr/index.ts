import { registerPeftMethod } from '../../registry.js';
import { lokrMethod } from './method.js';

export {
  type LokrConfig,
  type LokrConfigInput,
  type LokrLayerSettings,
  lokrConfig,
  lokrSettingsFor,
} from './config.js';
export { factorization as lokrFactorization } from './factorization.js';
export { LokrLayer, type LokrPlan, lokrPlan } from './layer.js';
export { lokrMethod } from './method.js';

registerPeftMethod(lokrMethod);

import { registerPeftMethod } from '../../registry.js';
import { adaloraMethod } from './method.js';

export { type BudgetSchedule, budgetAt } from './budget.js';
export {
  type AdaloraConfig,
  type AdaloraConfigInput,
  type AdaloraLayerSettings,
  adaloraConfig,
  adaloraSettingsFor,
  rankPatternKey,
} from './config.js';
export { type SvdFactors, SvdLinear } from './layer.js';
export { adaloraMethod } from './method.js';
export { orthogonalRegularization } from './orth-regularizer.js';
export { type AllocatorSettings, RankAllocator } from './rank-allocator.js';

registerPeftMethod(adaloraMethod);

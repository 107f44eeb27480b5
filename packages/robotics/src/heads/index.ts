export {
  actionHeads,
  type BinnedActionConfig,
  binnedActionConfig,
  binnedActionHead,
  type DeterministicActionConfig,
  deterministicActionConfig,
  deterministicActionHead,
  type GaussianActionConfig,
  gaussianActionConfig,
  gaussianActionHead,
} from './action-heads.js';
export { PolicyWithHead } from './policy-with-head.js';

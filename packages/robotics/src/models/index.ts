export {
  mlpPolicyArchitecture,
  mlpPolicyPlacement,
  POLICY_ROLES,
  transformerPolicyArchitecture,
  transformerPolicyPlacement,
} from './architectures.js';
export { MlpPolicy, type MlpPolicyConfig, mlpPolicyConfig, TrunkLayer } from './mlp-policy.js';
export { mlpPolicyPlacementDefaults, transformerPolicyPlacementDefaults } from './placement-defaults.js';
export {
  TransformerPolicy,
  type TransformerPolicyConfig,
  transformerPolicyConfig,
} from './transformer-policy.js';

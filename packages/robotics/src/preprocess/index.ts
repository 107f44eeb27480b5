export {
  denormalize,
  type NormalizationMode,
  type Normalizer,
  normalizeInto,
  normalizerFor,
} from './normalizer.js';
export {
  type EncodedStep,
  observationStep,
  PolicyInput,
  type PolicyInputOptions,
  type PolicyInputState,
  policyInputOptions,
  policyInputPreprocessor,
} from './policy-input.js';

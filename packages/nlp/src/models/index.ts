export * from './bert/index.js';
export { additivePaddingMask, causalMask, MASKED_SCORE } from './common/attention-mask.js';
export {
  type BaseCheckpointSpec,
  type LoadedBaseCheckpoint,
  loadBaseCheckpoint,
} from './common/base-checkpoint.js';
export { initTransformerWeights, resetFill, resetNormal } from './common/init-weights.js';
export { extendMaskForPrefix, PrefixHook } from './common/prefix-hook.js';
export * from './gpt2/index.js';
export { bertPlacementDefaults, gpt2PlacementDefaults } from './placement-defaults.js';
export * from './task/index.js';
export { loadTextBase, TEXT_MODEL_TYPES } from './text-base.js';

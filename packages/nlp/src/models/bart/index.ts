export { bartArchitecture, marianArchitecture } from './architecture.js';
export { BartAttention } from './attention.js';
export { loadBartCheckpoint, saveBartCheckpoint } from './checkpoint.js';
export {
  type BartConfig,
  type BartFlavor,
  bartConfig,
  bartConfigFileSchema,
  bartConfigSchema,
  marianConfig,
  marianConfigFileSchema,
  marianConfigSchema,
} from './config.js';
export { BartLayer, type BartLayerCall, type BartLayerOutput } from './layers.js';
export { BartForConditionalGeneration, BartModel } from './model.js';
export { bartPlacement } from './placement.js';
export { LearnedPositions, marianSinusoidalPositions } from './positions.js';
export { BartStack } from './stack.js';

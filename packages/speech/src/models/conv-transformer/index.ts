export { convTransformerArchitecture } from './architecture.js';
export { loadConvTransformer, saveConvTransformer } from './checkpoint.js';
export {
  CONV_TRANSFORMER_TYPE,
  type ConvTransformerConfig,
  convTransformerConfig,
  convTransformerConfigFileSchema,
  convTransformerConfigSchema,
} from './config.js';
export { ConvTransformerEncoder, convTransformerOutputLength } from './model.js';
export { convTransformerPlacement } from './placement.js';

import { registerPeftMethod } from '../../registry.js';
import { loraMethod } from './method.js';

export {
  type LoraConfig,
  type LoraConfigInput,
  type LoraInit,
  type LoraLayerSettings,
  loraConfig,
  loraSettingsFor,
  pissaIterations,
} from './config.js';
export { LoraConv1d, LoraConv2d } from './conv.js';
export { DoraMagnitude } from './dora.js';
export { LoraEmbedding } from './embedding.js';
export { type LoraAdapterState, type LoraFactors, LoraLayer } from './layer-common.js';
export { LoraLinear } from './linear.js';
export { loraMethod } from './method.js';
export { convertPissaToLora } from './pissa-convert.js';
export { type LoraModuleKind, type LoraRankCost, loraRankCost } from './rank-cost.js';
export { LORA_COMBINATION_TYPES, type LoraCombinationType } from './weighted-adapter.js';

registerPeftMethod(loraMethod);

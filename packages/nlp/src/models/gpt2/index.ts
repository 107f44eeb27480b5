export { gpt2Architecture } from './architecture.js';
export {
  Gpt2Attention,
  type Gpt2AttentionCall,
  type Gpt2AttentionOutput,
  type LayerKv,
} from './attention.js';
export { Gpt2Block, Gpt2Mlp } from './block.js';
export { GPT2_BASE_PREFIX, loadGpt2Checkpoint, saveGpt2Checkpoint } from './checkpoint.js';
export { type Gpt2Config, gpt2Config, gpt2ConfigFileSchema, gpt2ConfigSchema, gpt2Inner } from './config.js';
export { Conv1D } from './conv1d.js';
export { disposeKvCache, type KvCache, kvCacheLength } from './kv-cache.js';
export { type Gpt2Inputs, Gpt2Model, type Gpt2Outputs } from './model.js';
export { gpt2Placement } from './placement.js';

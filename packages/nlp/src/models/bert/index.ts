export { bertArchitecture } from './architecture.js';
export { BERT_BASE_PREFIX, loadBertCheckpoint, saveBertCheckpoint } from './checkpoint.js';
export { type BertConfig, bertConfig, bertConfigFileSchema, bertConfigSchema } from './config.js';
export { BertEmbeddings } from './embeddings.js';
export { BertAttention, BertIntermediate, BertLayer, BertResidualOutput } from './layer.js';
export {
  BertEncoder,
  type BertInputs,
  BertModel,
  type BertModelOptions,
  type BertOutputs,
  BertPooler,
} from './model.js';
export { bertPlacement } from './placement.js';
export { BERT_SELF_ATTENTION_NAMES, BertSelfAttention } from './self-attention.js';

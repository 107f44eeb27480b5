import { type AnyModule, type LoadedBaseCheckpoint, loadBaseCheckpoint, saveCheckpoint } from '@peftkit/core';
import { type BertConfig, bertConfigFileSchema } from './config.js';
import { BertModel } from './model.js';

/** HF's `base_model_prefix` for BERT task models (`bert.encoder...`). */
export const BERT_BASE_PREFIX = 'bert';

/**
 * Reads a BERT checkpoint directory: `config.json` (model_type `bert`) and `model.safetensors`
 * written by HF's `BertModel` (keys `embeddings...`) or a task model (`bert.embeddings...`,
 * whose other keys come back as `headTensors`). The pooler is built when the file has one.
 * `embeddings.position_ids` (a buffer older files carry) is ignored.
 *
 * @example const { model, config } = await loadBertCheckpoint('models/bert-base-uncased');
 */
export function loadBertCheckpoint(dir: string): Promise<LoadedBaseCheckpoint<BertConfig, BertModel>> {
  return loadBaseCheckpoint(dir, {
    modelType: 'bert',
    basePrefix: BERT_BASE_PREFIX,
    ignore: [/^embeddings\.position_ids$/],
    configSchema: bertConfigFileSchema,
    build: (config, keys) => new BertModel(config, { addPoolingLayer: keys.has('pooler.dense.weight') }),
  });
}

/** Writes `model` as HF's `BertModel.save_pretrained` does: unprefixed keys, PyTorch layout. */
export async function saveBertCheckpoint(dir: string, model: AnyModule, config: BertConfig): Promise<void> {
  if (!(model instanceof BertModel))
    throw new Error(`saveBertCheckpoint: expected a BertModel, got ${model.typeName}`);
  await saveCheckpoint(dir, model, { ...config, architectures: ['BertModel'] });
}

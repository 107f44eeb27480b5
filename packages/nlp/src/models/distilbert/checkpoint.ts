import { type AnyModule, type LoadedBaseCheckpoint, loadBaseCheckpoint, saveCheckpoint } from '@peftkit/core';
import { type DistilBertConfig, distilBertConfigFileSchema } from './config.js';
import { DistilBertModel } from './model.js';

/** HF's `base_model_prefix` for DistilBERT task models (`distilbert.transformer...`). */
export const DISTILBERT_BASE_PREFIX = 'distilbert';

/**
 * Reads a DistilBERT checkpoint directory: `config.json` (model_type `distilbert`) and
 * `model.safetensors` written by HF's `DistilBertModel` (keys `embeddings...`) or a task model
 * (`distilbert.embeddings...`, whose other keys, e.g. `pre_classifier.*`, `classifier.*`,
 * `vocab_*`, come back as `headTensors`). `embeddings.position_ids` (a buffer) is ignored.
 *
 * @example const { model, config } = await loadDistilBertCheckpoint('models/distilbert-base-uncased');
 */
export function loadDistilBertCheckpoint(
  dir: string,
): Promise<LoadedBaseCheckpoint<DistilBertConfig, DistilBertModel>> {
  return loadBaseCheckpoint(dir, {
    modelType: 'distilbert',
    basePrefix: DISTILBERT_BASE_PREFIX,
    ignore: [/^embeddings\.position_ids$/],
    configSchema: distilBertConfigFileSchema,
    build: (config) => new DistilBertModel(config),
  });
}

/** Writes `model` as HF's `DistilBertModel.save_pretrained` does: unprefixed keys, PyTorch layout. */
export async function saveDistilBertCheckpoint(
  dir: string,
  model: AnyModule,
  config: DistilBertConfig,
): Promise<void> {
  if (!(model instanceof DistilBertModel))
    throw new Error(`saveDistilBertCheckpoint: expected a DistilBertModel, got ${model.typeName}`);
  await saveCheckpoint(dir, model, { ...config, architectures: ['DistilBertModel'] });
}

import {
  type AnyModule,
  disposeAll,
  type LoadedBaseCheckpoint,
  loadBaseCheckpoint,
  saveCheckpoint,
} from '@peftkit/core';
import { type T5Config, t5ConfigFileSchema } from './config.js';
import { T5ForConditionalGeneration } from './model.js';

/**
 * Reads a T5 checkpoint directory (model_type `t5`, HF `T5ForConditionalGeneration` files):
 * `encoder/decoder.embed_tokens.weight` (ties of `shared`) and the unused
 * `decoder...EncDecAttention.relative_attention_bias` of old files are dropped; a tied
 * `lm_head.weight` is dropped, an untied one loaded.
 *
 * @example const { model, config } = await loadT5Checkpoint('models/t5-small');
 */
export async function loadT5Checkpoint(
  dir: string,
): Promise<LoadedBaseCheckpoint<T5Config, T5ForConditionalGeneration>> {
  const loaded = await loadBaseCheckpoint(dir, {
    modelType: 't5',
    basePrefix: '',
    ignore: [
      /^(encoder|decoder)\.embed_tokens\.weight$/,
      /^decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight$/,
    ],
    notBuilt: [/^lm_head\.weight$/],
    configSchema: t5ConfigFileSchema,
    build: (config) => new T5ForConditionalGeneration(config),
  });
  disposeAll(loaded.headTensors);
  return { ...loaded, headTensors: new Map() };
}

/** Writes `model` as HF's `T5ForConditionalGeneration.save_pretrained` does (tied weights once, as `shared`). */
export async function saveT5Checkpoint(dir: string, model: AnyModule, config: T5Config): Promise<void> {
  if (!(model instanceof T5ForConditionalGeneration))
    throw new Error(`saveT5Checkpoint: expected a T5ForConditionalGeneration, got ${model.typeName}`);
  await saveCheckpoint(dir, model, {
    ...config,
    is_encoder_decoder: true,
    architectures: ['T5ForConditionalGeneration'],
  });
}

import * as path from 'node:path';
import {
  type AnyModule,
  disposeAll,
  type LoadedBaseCheckpoint,
  loadBaseCheckpoint,
  readJsonObject,
  saveCheckpoint,
} from '@peftkit/core';
import { type BartConfig, bartConfigFileSchema, marianConfigFileSchema } from './config.js';
import { BartForConditionalGeneration } from './model.js';

/**
 * Reads a BART (model_type `bart`) or Marian (`marian`) checkpoint directory as HF's
 * `BartForConditionalGeneration` / `MarianMTModel` write it: the `model.encoder/decoder.
 * embed_tokens` ties are dropped, a tied `lm_head.weight` is dropped, Marian's fixed sinusoidal
 * `embed_positions` (recomputed here) are dropped, and a missing `final_logits_bias` stays zero.
 *
 * @example const { model, config } = await loadBartCheckpoint('models/opus-mt-en-de');
 */
export async function loadBartCheckpoint(
  dir: string,
): Promise<LoadedBaseCheckpoint<BartConfig, BartForConditionalGeneration>> {
  const raw = await readJsonObject(path.join(dir, 'config.json'), 'checkpoint config');
  const marian = raw['model_type'] === 'marian';
  const ignore = [/^model\.(encoder|decoder)\.embed_tokens\.weight$/];
  if (marian) ignore.push(/^model\.(encoder|decoder)\.embed_positions\.weight$/);
  const loaded = await loadBaseCheckpoint<BartConfig, BartForConditionalGeneration>(dir, {
    modelType: ['bart', 'marian'],
    basePrefix: '',
    ignore,
    notBuilt: [/^lm_head\.weight$/],
    optional: [/^final_logits_bias$/],
    configSchema: (marian ? marianConfigFileSchema : bartConfigFileSchema) as never,
    build: (config) => new BartForConditionalGeneration(config),
  });
  disposeAll(loaded.headTensors);
  return { ...loaded, headTensors: new Map() };
}

/** Writes `model` as HF's `save_pretrained` does (the tied embedding once, as `model.shared`). */
export async function saveBartCheckpoint(dir: string, model: AnyModule, config: BartConfig): Promise<void> {
  if (!(model instanceof BartForConditionalGeneration))
    throw new Error(`saveBartCheckpoint: expected a BartForConditionalGeneration, got ${model.typeName}`);
  const architectures = [config.model_type === 'marian' ? 'MarianMTModel' : 'BartForConditionalGeneration'];
  await saveCheckpoint(dir, model, { ...config, is_encoder_decoder: true, architectures });
}

import * as path from 'node:path';
import { type LoadedBaseCheckpoint, readJsonObject } from '@peftkit/core';
import { loadBertCheckpoint } from './bert/checkpoint.js';
import { loadDistilBertCheckpoint } from './distilbert/checkpoint.js';
import { loadGpt2Checkpoint } from './gpt2/checkpoint.js';
import type { TextBackbone } from './task/backbone.js';

/** `model_type` values of `config.json` the nlp plugin reads, with their loaders. */
export const TEXT_MODEL_TYPES = {
  bert: loadBertCheckpoint,
  distilbert: loadDistilBertCheckpoint,
  gpt2: loadGpt2Checkpoint,
} as const;

/**
 * Loads any supported text checkpoint directory by its `config.json` `model_type`; an unknown
 * type is an error listing the supported ones. The model is typed as the text backbone union, so it
 * goes straight into a task model (`new SequenceClassificationModel(model, ...)`).
 *
 * @example const { model, config } = await loadTextBase('models/bert-base-uncased');
 */
export async function loadTextBase(dir: string): Promise<LoadedBaseCheckpoint<unknown, TextBackbone>> {
  const config = await readJsonObject(path.join(dir, 'config.json'), 'checkpoint config');
  const type = config['model_type'];
  if (typeof type !== 'string' || !Object.hasOwn(TEXT_MODEL_TYPES, type)) {
    throw new Error(
      `${dir}/config.json: model_type ${JSON.stringify(type)} is not supported by @peftkit/nlp (supported: ${Object.keys(TEXT_MODEL_TYPES).join(', ')})`,
    );
  }
  return TEXT_MODEL_TYPES[type as keyof typeof TEXT_MODEL_TYPES](dir);
}

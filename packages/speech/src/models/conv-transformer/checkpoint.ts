import { type AnyModule, saveCheckpoint } from '@peftkit/core';
import { type LoadedSpeechBase, loadSpeechBase } from '../common/base-checkpoint.js';
import {
  CONV_TRANSFORMER_TYPE,
  type ConvTransformerConfig,
  convTransformerConfigFileSchema,
} from './config.js';
import { ConvTransformerEncoder } from './model.js';

/** Reads a directory written by `saveConvTransformer` (model_type `speech/conv-transformer`). */
export function loadConvTransformer(dir: string): Promise<LoadedSpeechBase<ConvTransformerConfig>> {
  return loadSpeechBase(dir, {
    modelTypes: [CONV_TRANSFORMER_TYPE],
    configSchema: convTransformerConfigFileSchema,
    prefixes: [''],
    build: (config) => new ConvTransformerEncoder(config),
  });
}

/** Writes `config.json` + `model.safetensors` (PyTorch layout, bare keys). */
export async function saveConvTransformer(
  dir: string,
  model: AnyModule,
  config: ConvTransformerConfig,
): Promise<void> {
  if (!(model instanceof ConvTransformerEncoder)) {
    throw new Error(`saveConvTransformer: expected a ConvTransformerEncoder, got ${model.typeName}`);
  }
  await saveCheckpoint(dir, model, config);
}

import { type Architecture, disposeAll } from '@peftkit/core';
import { loadDistilBertCheckpoint, saveDistilBertCheckpoint } from './checkpoint.js';
import { type DistilBertConfig, distilBertConfigSchema } from './config.js';
import { DistilBertModel } from './model.js';
import { distilBertPlacement } from './placement.js';

/**
 * The `distilbert` architecture contribution: builds `DistilBertModel` from a config, reads and
 * writes HF checkpoint directories (model_type `distilbert`), and declares its placement.
 */
export const distilBertArchitecture: Architecture<DistilBertConfig> = {
  id: 'distilbert',
  description:
    'DistilBERT encoder (HF DistilBertModel names; reads distilbert-* checkpoints with config.json + model.safetensors)',
  modelTypes: ['distilbert'],
  configSchema: distilBertConfigSchema,
  build: (config) => new DistilBertModel(config),
  async loadCheckpoint(dir) {
    const { model, config, headTensors } = await loadDistilBertCheckpoint(dir);
    disposeAll(headTensors);
    return { model, config };
  },
  saveCheckpoint: saveDistilBertCheckpoint,
  hf: { classPrefix: 'DistilBert', preprocessor: 'nlp/tokenizer' },
  placement: () => distilBertPlacement,
  outputFeatures: (config) => config.dim,
};

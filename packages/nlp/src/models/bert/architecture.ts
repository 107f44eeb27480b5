import { type Architecture, disposeAll } from '@peftkit/core';
import { loadBertCheckpoint, saveBertCheckpoint } from './checkpoint.js';
import { type BertConfig, bertConfigSchema } from './config.js';
import { BertModel } from './model.js';
import { bertPlacement } from './placement.js';

/**
 * The `bert` architecture contribution: builds `BertModel` from a config, reads and writes
 * HF checkpoint directories (model_type `bert`), and declares BERT's placement.
 */
export const bertArchitecture: Architecture<BertConfig> = {
  id: 'bert',
  description:
    'BERT encoder (HF BertModel names; reads bert-* checkpoints with config.json + model.safetensors)',
  modelTypes: ['bert'],
  configSchema: bertConfigSchema,
  build: (config) => new BertModel(config),
  async loadCheckpoint(dir) {
    const { model, config, headTensors } = await loadBertCheckpoint(dir);
    disposeAll(headTensors);
    return { model, config };
  },
  saveCheckpoint: saveBertCheckpoint,
  hf: { classPrefix: 'Bert', preprocessor: 'nlp/tokenizer' },
  placement: () => bertPlacement,
  outputFeatures: (config) => config.hidden_size,
};

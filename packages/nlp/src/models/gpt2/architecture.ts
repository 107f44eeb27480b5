import { type Architecture, disposeAll } from '@peftkit/core';
import { loadGpt2Checkpoint, saveGpt2Checkpoint } from './checkpoint.js';
import { type Gpt2Config, gpt2ConfigSchema } from './config.js';
import { Gpt2Model } from './model.js';
import { gpt2Placement } from './placement.js';

/**
 * The `gpt2` architecture contribution: builds `Gpt2Model`, reads and writes HF checkpoint
 * directories (model_type `gpt2`), and declares GPT-2's placement (fused `attn.qkv`).
 */
export const gpt2Architecture: Architecture<Gpt2Config> = {
  id: 'gpt2',
  description: 'GPT-2 decoder (HF GPT2Model names, Conv1D weights; reads gpt2 checkpoints)',
  modelTypes: ['gpt2'],
  configSchema: gpt2ConfigSchema,
  build: (config) => new Gpt2Model(config),
  async loadCheckpoint(dir) {
    const { model, config, headTensors } = await loadGpt2Checkpoint(dir);
    disposeAll(headTensors);
    return { model, config };
  },
  saveCheckpoint: saveGpt2Checkpoint,
  hf: { classPrefix: 'GPT2', preprocessor: 'nlp/tokenizer' },
  placement: () => gpt2Placement,
  outputFeatures: (config) => config.n_embd,
};

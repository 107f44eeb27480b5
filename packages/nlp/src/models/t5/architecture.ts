import type { Architecture } from '@peftkit/core';
import { SEQ2SEQ_ROLES } from '../seq2seq/seq2seq-roles.js';
import { loadT5Checkpoint, saveT5Checkpoint } from './checkpoint.js';
import { type T5Config, t5ConfigSchema } from './config.js';
import { T5ForConditionalGeneration } from './model.js';
import { t5Placement } from './placement.js';

/**
 * The `t5` architecture contribution: builds `T5ForConditionalGeneration` (T5 v1.0 and gated
 * v1.1 / Flan-T5), reads and writes HF checkpoint directories, and declares the placement with
 * the cross-attention roles `xattn.*`. A plain HF `T5ForConditionalGeneration` directory (with
 * its `tokenizer.json`) loads as a run (`hf`).
 */
export const t5Architecture: Architecture<T5Config> = {
  id: 't5',
  description:
    'T5 encoder-decoder with LM head (HF T5ForConditionalGeneration names; v1.0 and gated v1.1/Flan)',
  configSchema: t5ConfigSchema,
  build: (config) => new T5ForConditionalGeneration(config),
  async loadCheckpoint(dir) {
    const { model, config } = await loadT5Checkpoint(dir);
    return { model, config };
  },
  saveCheckpoint: saveT5Checkpoint,
  hf: { classPrefix: 'T5', preprocessor: 'nlp/seq2seq-tokenizer' },
  placement: t5Placement,
  declaredRoles: SEQ2SEQ_ROLES,
  outputFeatures: (config) => config.d_model,
};

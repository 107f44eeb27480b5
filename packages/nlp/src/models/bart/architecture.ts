import type { Architecture } from '@peftkit/core';
import { SEQ2SEQ_ROLES } from '../seq2seq/seq2seq-roles.js';
import { loadBartCheckpoint, saveBartCheckpoint } from './checkpoint.js';
import { type BartConfig, bartConfigSchema, marianConfigSchema } from './config.js';
import { BartForConditionalGeneration } from './model.js';
import { bartPlacement } from './placement.js';

function seq2seqArchitecture(id: 'bart' | 'marian', description: string): Architecture<BartConfig> {
  return {
    id,
    description,
    configSchema: (id === 'bart' ? bartConfigSchema : marianConfigSchema) as never,
    build: (config) => new BartForConditionalGeneration(config),
    async loadCheckpoint(dir) {
      const { model, config } = await loadBartCheckpoint(dir);
      if (config.model_type !== id) {
        model.dispose();
        throw new Error(`${dir}/config.json: model_type is '${config.model_type}', expected '${id}'`);
      }
      return { model, config };
    },
    saveCheckpoint: saveBartCheckpoint,
    // Plain HF directories load as runs; Marian's LM class breaks the `<prefix>ForConditionalGeneration` pattern.
    hf:
      id === 'bart'
        ? { classPrefix: 'Bart', preprocessor: 'nlp/seq2seq-tokenizer' }
        : {
            classPrefix: 'Marian',
            preprocessor: 'nlp/seq2seq-tokenizer',
            classNames: { 'nlp/seq2seq-lm': 'MarianMTModel' },
          },
    placement: bartPlacement,
    declaredRoles: SEQ2SEQ_ROLES,
    outputFeatures: (config) => config.d_model,
  };
}

/** `bart`: BART encoder-decoder with LM head (HF BartForConditionalGeneration names, learned positions). */
export const bartArchitecture: Architecture<BartConfig> = seq2seqArchitecture(
  'bart',
  'BART encoder-decoder with LM head (HF BartForConditionalGeneration names; learned positions, offset 2)',
);

/** `marian`: MarianMT (HF MarianMTModel names, sinusoidal positions, shared vocabulary). */
export const marianArchitecture: Architecture<BartConfig> = seq2seqArchitecture(
  'marian',
  'MarianMT encoder-decoder (HF MarianMTModel names; sinusoidal positions, shared embeddings)',
);

import type { Preset } from '@peftkit/core';
import { SMALL_BERT } from './sentiment.js';

/**
 * `nlp/token-classification`: one tag per word (NER, POS) from JSONL records
 * `{ "tokens": [...], "tags": [...] }`; the loss scores each word's first piece. LoRA r=8 on
 * attn.q/attn.v, classifier trained whole.
 */
export const tokenClassificationPreset: Preset = {
  id: 'nlp/token-classification',
  domain: 'nlp',
  task: 'token-classification',
  description:
    'per-word tagging (NER/POS) from JSONL word/tag lists: BERT + token classifier, LoRA r=8 on attn.q/attn.v',
  config: {
    data: { reader: 'nlp/jsonl', options: { target: 'tags', wordsField: 'tokens', tagsField: 'tags' } },
    preprocess: { id: 'nlp/tokenizer', options: { maxLength: 128 } },
    model: { architecture: 'bert', config: { ...SMALL_BERT } },
    head: { id: 'nlp/token-classification' },
    peft: { peftType: 'LORA', r: 8, loraAlpha: 16, loraDropout: 0.1, targetRoles: ['attn.q', 'attn.v'] },
    training: { epochs: 5, batchSize: 16, lr: 1e-3, warmupRatio: 0.06, metrics: ['accuracy', 'macro_f1'] },
  },
};

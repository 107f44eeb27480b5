import type { Preset } from '@peftkit/core';
import { SMALL_BERT } from './sentiment.js';

/**
 * `nlp/domain-mlm`: continued masked-LM pretraining of a BERT on in-domain text (domain-adaptive
 * pretraining) with LoRA r=8 on attn.q/attn.v, attn.o and the feed-forward layers; the MLM
 * transform is trained whole. Merge the adapter (`peftkit merge`) to get a domain-adapted base.
 */
export const domainMlmPreset: Preset = {
  id: 'nlp/domain-mlm',
  domain: 'nlp',
  task: 'masked-lm',
  description:
    'continued masked-LM pretraining on in-domain text: LoRA r=8 on attention and feed-forward, masked-token accuracy',
  config: {
    data: { reader: 'nlp/corpus', options: { split: 'paragraph' }, evalFraction: 0.1 },
    preprocess: {
      id: 'nlp/tokenizer',
      options: { maxLength: 128, objective: 'masked-lm', mlmProbability: 0.15 },
    },
    model: { architecture: 'bert', config: { ...SMALL_BERT } },
    head: { id: 'nlp/masked-lm' },
    peft: {
      peftType: 'LORA',
      r: 8,
      loraAlpha: 16,
      loraDropout: 0.1,
      targetRoles: ['attn.q', 'attn.v', 'attn.o', 'ffn.up', 'ffn.down'],
    },
    training: { epochs: 3, batchSize: 16, lr: 5e-4, warmupRatio: 0.06, metrics: ['accuracy'] },
  },
};

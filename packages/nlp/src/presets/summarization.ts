import type { Preset } from '@peftkit/core';
import { SEQ2SEQ_LORA, SMALL_T5 } from './translation.js';

/**
 * `nlp/summarization`: adapt an encoder-decoder to summarise documents with LoRA r=8 on attn.q,
 * attn.v, xattn.q, xattn.v. Data: JSONL `{"document", "summary"}` (or a TSV with those columns
 * and `data.reader: nlp/tsv-pairs`); sources up to 512 tokens behind T5's `summarize: ` prefix
 * (set `sourcePrefix: ''` for BART). Evaluated by ROUGE-1/2/L on beam-search output.
 */
export const summarizationPreset: Preset = {
  id: 'nlp/summarization',
  domain: 'nlp',
  task: 'seq2seq',
  description:
    'summarisation: LoRA r=8 on attn.q/v and xattn.q/v of T5 (or BART with --base), document/summary fields, ROUGE-1/2/L on beam search',
  config: {
    data: {
      reader: 'nlp/jsonl-pairs',
      options: { sourceField: 'document', targetField: 'summary' },
      evalFraction: 0.1,
    },
    preprocess: {
      id: 'nlp/seq2seq-tokenizer',
      options: { maxSourceLength: 512, maxTargetLength: 128, sourcePrefix: 'summarize: ' },
    },
    model: { architecture: 't5', config: { ...SMALL_T5 } },
    head: {
      id: 'nlp/seq2seq-lm',
      config: { generation: { numBeams: 4, maxNewTokens: 128, noRepeatNgramSize: 3 } },
    },
    peft: { ...SEQ2SEQ_LORA, targetRoles: [...SEQ2SEQ_LORA.targetRoles] },
    training: {
      epochs: 5,
      batchSize: 4,
      lr: 1e-3,
      weightDecay: 0.01,
      warmupRatio: 0.06,
      metrics: ['rouge'],
    },
  },
};

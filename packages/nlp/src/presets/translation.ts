import type { Preset } from '@peftkit/core';

/** A small T5 v1.0 for presets used without `--base` (vocabulary from the tokenizer). */
export const SMALL_T5 = {
  d_model: 128,
  d_kv: 32,
  d_ff: 512,
  num_layers: 2,
  num_heads: 4,
  dropout_rate: 0.1,
} as const;

/** LoRA r=8 on the q/v projections of self- and cross-attention (HF PEFT's `["q", "v"]` on T5). */
export const SEQ2SEQ_LORA = {
  peftType: 'LORA',
  r: 8,
  loraAlpha: 16,
  loraDropout: 0.1,
  targetRoles: ['attn.q', 'attn.v', 'xattn.q', 'xattn.v'],
  // HF PEFT's task type for encoder-decoder LMs, written to adapter_config.json.
  taskType: 'SEQ_2_SEQ_LM',
} as const;

/**
 * `nlp/translation`: adapt an encoder-decoder (T5; BART/Marian with `--base`) to a language pair
 * with LoRA r=8 on attn.q, attn.v, xattn.q, xattn.v. Data: `source<TAB>target` TSV (or JSONL with
 * `data.reader: nlp/jsonl-pairs`). T5 reads the pair from its task prefix, filled from
 * `preprocess.options.sourceLang` / `targetLang` (`translate English to German: `); set
 * `sourcePrefix: ''` for BART/Marian. Evaluated by BLEU and chrF on beam-search output.
 */
export const translationPreset: Preset = {
  id: 'nlp/translation',
  domain: 'nlp',
  task: 'seq2seq',
  description:
    'translation: LoRA r=8 on attn.q/v and xattn.q/v of T5 (or BART/Marian with --base), T5 task prefix from sourceLang/targetLang, BLEU + chrF on beam search',
  config: {
    data: {
      reader: 'nlp/tsv-pairs',
      options: { sourceField: 'source', targetField: 'target' },
      evalFraction: 0.1,
    },
    preprocess: {
      id: 'nlp/seq2seq-tokenizer',
      options: {
        maxSourceLength: 128,
        maxTargetLength: 128,
        sourcePrefix: 'translate {sourceLang} to {targetLang}: ',
      },
    },
    model: { architecture: 't5', config: { ...SMALL_T5 } },
    head: { id: 'nlp/seq2seq-lm', config: { generation: { numBeams: 4, maxNewTokens: 128 } } },
    peft: { ...SEQ2SEQ_LORA, targetRoles: [...SEQ2SEQ_LORA.targetRoles] },
    training: {
      epochs: 10,
      batchSize: 8,
      lr: 1e-3,
      weightDecay: 0.01,
      warmupRatio: 0.06,
      metrics: ['bleu', 'chrf'],
    },
  },
};

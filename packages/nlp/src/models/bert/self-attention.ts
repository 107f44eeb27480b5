import { type AttentionProjectionNames, MultiHeadAttention } from '@peftkit/core';
import type { BertConfig } from './config.js';

/** HF's names in BERT's `attention.self`; the output projection is the sibling `attention.output.dense`. */
export const BERT_SELF_ATTENTION_NAMES: Readonly<AttentionProjectionNames> = Object.freeze({
  query: 'query',
  key: 'key',
  value: 'value',
  output: null,
});

/**
 * `attention.self`: core's multi-head attention with `query`, `key`, `value` Linear children and
 * a `dropout` child (HF names, so `target_modules: ["query", "value"]` match), returning the
 * heads' context. A prefix-tuning host (role `attention`). Its forward takes the layer's call
 * options: `attentionMask` is the model's additive `[B, 1, 1, T]` mask.
 */
export class BertSelfAttention extends MultiHeadAttention {
  constructor(config: BertConfig) {
    super(config.hidden_size, config.num_attention_heads, {
      names: BERT_SELF_ATTENTION_NAMES,
      dropout: config.attention_probs_dropout_prob,
      dropoutModule: 'dropout',
      // BertModel runs HF's init over the whole tree afterwards.
      init: 'linear',
    });
  }
}

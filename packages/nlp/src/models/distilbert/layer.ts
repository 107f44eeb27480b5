import {
  type AttentionProjectionNames,
  FeedForward,
  MultiHeadAttention,
  TransformerEncoderLayer,
} from '@peftkit/core';
import { DISTILBERT_LAYER_NORM_EPS, type DistilBertConfig } from './config.js';

/** HF's projection names in DistilBERT's `MultiHeadSelfAttention`. */
export const DISTILBERT_ATTENTION_NAMES: Readonly<AttentionProjectionNames> = Object.freeze({
  query: 'q_lin',
  key: 'k_lin',
  value: 'v_lin',
  output: 'out_lin',
});

/**
 * `transformer.layer.N.attention` (HF `MultiHeadSelfAttention`): core's multi-head attention
 * with `q_lin`, `k_lin`, `v_lin`, `out_lin` and a `dropout` child. A prefix-tuning host.
 */
export class DistilBertSelfAttention extends MultiHeadAttention {
  constructor(config: DistilBertConfig) {
    super(config.dim, config.n_heads, {
      names: DISTILBERT_ATTENTION_NAMES,
      dropout: config.attention_dropout,
      dropoutModule: 'dropout',
      // DistilBertModel runs HF's init over the whole tree afterwards.
      init: 'linear',
    });
  }
}

/** `ffn` (HF `FFN`): `lin1` (dim -> hidden_dim), the activation, `lin2`, `dropout`. */
export class DistilBertFfn extends FeedForward {
  constructor(config: DistilBertConfig) {
    super(config.dim, config.hidden_dim, {
      activation: config.activation,
      dropout: config.dropout,
      names: { up: 'lin1', down: 'lin2', outputDropout: 'dropout' },
    });
  }
}

/**
 * `transformer.layer.N` (HF `TransformerBlock`): core's post-norm encoder layer with
 * DistilBERT's names, `sa_layer_norm(attention(x) + x)` then `output_layer_norm(ffn(a) + a)`
 * (no dropout after the attention, as HF).
 */
export class DistilBertLayer extends TransformerEncoderLayer {
  constructor(config: DistilBertConfig) {
    super(config.dim, config.n_heads, {
      dimFeedforward: config.hidden_dim,
      attentionOutputDropout: 0,
      layerNormEps: DISTILBERT_LAYER_NORM_EPS,
      names: {
        selfAttn: 'attention',
        attentionDropout: undefined,
        norm1: 'sa_layer_norm',
        feedForward: 'ffn',
        norm2: 'output_layer_norm',
      },
      buildAttention: () => new DistilBertSelfAttention(config),
      buildFeedForward: () => new DistilBertFfn(config),
    });
  }
}

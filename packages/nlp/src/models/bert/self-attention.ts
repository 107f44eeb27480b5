import { Dropout, Linear, type UnaryModule } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { multiHeadContext } from '../common/multi-head-attention.js';
import { PrefixTunableAttention } from '../common/prefix-hook.js';
import type { BertConfig } from './config.js';

/**
 * `attention.self`: multi-head scaled dot-product self-attention with `query`, `key`, `value`
 * Linear children (HF names, so `target_modules: ["query", "value"]` match). Exposes
 * `setPrefixProvider` for prefix tuning (role `attention`).
 */
export class BertSelfAttention extends PrefixTunableAttention<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;

  constructor(config: BertConfig) {
    super();
    const h = config.hidden_size;
    this.embedDim = h;
    this.numHeads = config.num_attention_heads;
    this.headDim = h / this.numHeads;
    this.registerModule('query', new Linear(h, h));
    this.registerModule('key', new Linear(h, h));
    this.registerModule('value', new Linear(h, h));
    this.registerModule('dropout', new Dropout(config.attention_probs_dropout_prob));
  }

  /** `hidden [B, T, H]`, additive `mask [B, 1, 1, T]` (or undefined) -> context `[B, T, H]`. */
  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const b = hidden.shape[0] as number;
    return multiHeadContext({
      query: this.child<UnaryModule>('query').forward(hidden),
      key: this.child<UnaryModule>('key').forward(hidden),
      value: this.child<UnaryModule>('value').forward(hidden),
      numHeads: this.numHeads,
      mask,
      dropout: this.child<UnaryModule>('dropout'),
      prefix: this.prefixHook.fetch(b, this.embedDim, 'BertSelfAttention.forward'),
    });
  }
}

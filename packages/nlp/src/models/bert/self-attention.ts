import { Dropout, Linear, Module, type PrefixProvider, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { extendMaskForPrefix, PrefixHook } from '../common/prefix-hook.js';
import type { BertConfig } from './config.js';

/**
 * `attention.self`: multi-head scaled dot-product self-attention with `query`, `key`, `value`
 * Linear children (HF names, so `target_modules: ["query", "value"]` match). Exposes
 * `setPrefixProvider` for prefix tuning (role `attention`).
 */
export class BertSelfAttention extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  private readonly hook = new PrefixHook();

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

  setPrefixProvider(fn: PrefixProvider | undefined): void {
    this.hook.set(fn);
  }

  get prefixProvider(): PrefixProvider | undefined {
    return this.hook.current;
  }

  /** `hidden [B, T, H]`, additive `mask [B, 1, 1, T]` (or undefined) -> context `[B, T, H]`. */
  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const [b, t] = hidden.shape as [number, number, number];
    const nh = this.numHeads;
    const d = this.headDim;
    let k = this.child<UnaryModule>('key').forward(hidden);
    let v = this.child<UnaryModule>('value').forward(hidden);
    const prefix = this.hook.fetch(b, this.embedDim, 'BertSelfAttention.forward');
    const p = prefix ? (prefix.key.shape[1] as number) : 0;
    if (prefix) {
      k = tf.concat([prefix.key, k], 1);
      v = tf.concat([prefix.value, v], 1);
    }
    const s = p + t;
    // Explicit transposes: wasm's matMul is fast only for non-transposed operands.
    const q = tf.mul(
      tf.transpose(tf.reshape(this.child<UnaryModule>('query').forward(hidden), [b, t, nh, d]), [0, 2, 1, 3]),
      1 / Math.sqrt(d),
    );
    const kt = tf.transpose(tf.reshape(k, [b, s, nh, d]), [0, 2, 3, 1]);
    const vh = tf.transpose(tf.reshape(v, [b, s, nh, d]), [0, 2, 1, 3]);
    let scores = tf.matMul(q, kt);
    const m = extendMaskForPrefix(mask, p);
    if (m) scores = tf.add(scores, m);
    const probs = this.child<UnaryModule>('dropout').forward(tf.softmax(scores, -1));
    return tf.reshape(tf.transpose(tf.matMul(probs, vh), [0, 2, 1, 3]), [b, t, this.embedDim]);
  }
}

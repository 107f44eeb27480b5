import {
  attendHeads,
  causalMask,
  Dropout,
  extendMaskForPrefix,
  mergeHeads,
  PrefixTunableAttention,
  splitHeads,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { Gpt2Config } from './config.js';
import { Conv1D } from './conv1d.js';

/** One layer's cached keys/values `[B, H, S, D]`. */
export type LayerKv = {
  key: tf.Tensor;
  value: tf.Tensor;
};

/** Output of one attention call and its keys/values. */
export type Gpt2AttentionOutput = { output: tf.Tensor; kv: LayerKv };

/** What `GPT2Attention.forward` receives besides the hidden states. */
export interface Gpt2AttentionCall {
  /** Additive padding mask `[B, 1, 1, past + T]`, or undefined. */
  mask: tf.Tensor | undefined;
  /** Keys/values of earlier positions (generation). */
  past: LayerKv | undefined;
}

/**
 * `h.N.attn`: causal self-attention with the fused `c_attn` (q, k, v in one Conv1D, role
 * `attn.qkv`) and `c_proj`. Returns the output and this call's full keys/values (past + new) for
 * the KV cache. Exposes `setPrefixProvider` for prefix tuning.
 */
export class Gpt2Attention extends PrefixTunableAttention<
  [tf.Tensor, Gpt2AttentionCall],
  Gpt2AttentionOutput
> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  private readonly scale: number;

  constructor(config: Gpt2Config, layerIndex: number) {
    super();
    const e = config.n_embd;
    this.embedDim = e;
    this.numHeads = config.n_head;
    this.headDim = e / config.n_head;
    let scale = config.scale_attn_weights ? 1 / Math.sqrt(this.headDim) : 1;
    if (config.scale_attn_by_inverse_layer_idx) scale /= layerIndex + 1;
    this.scale = scale;
    this.registerModule('c_attn', new Conv1D(e, 3 * e));
    this.registerModule('c_proj', new Conv1D(e, e));
    this.registerModule('attn_dropout', new Dropout(config.attn_pdrop));
    this.registerModule('resid_dropout', new Dropout(config.resid_pdrop));
  }

  forward(hidden: tf.Tensor, call: Gpt2AttentionCall): Gpt2AttentionOutput {
    const [b, t] = hidden.shape as [number, number, number];
    const nh = this.numHeads;
    const qkv = this.child<UnaryModule>('c_attn').forward(hidden);
    const [q, k, v] = tf.split(qkv, 3, 2) as [tf.Tensor, tf.Tensor, tf.Tensor];
    // The cache holds keys as [B, H, S, D] (GPT-2's past_key_values layout), so the shared
    // head-level maths (attendHeads) is used here rather than multiHeadContext.
    let kh = splitHeads(k, nh);
    let vh = splitHeads(v, nh);
    const pastLength = call.past ? (call.past.key.shape[2] as number) : 0;
    if (call.past) {
      kh = tf.concat([call.past.key, kh], 2);
      vh = tf.concat([call.past.value, vh], 2);
    }
    const kv = { key: kh, value: vh };
    // The prefix is not part of the cache: it is re-fetched (cheaply) on every call.
    const prefix = this.prefixHook.fetch(b, this.embedDim, 'Gpt2Attention.forward');
    const p = prefix ? (prefix.key.shape[1] as number) : 0;
    if (prefix) {
      kh = tf.concat([splitHeads(prefix.key, nh), kh], 2);
      vh = tf.concat([splitHeads(prefix.value, nh), vh], 2);
    }
    let mask: tf.Tensor = causalMask(t, pastLength);
    if (call.mask) mask = tf.add(mask, call.mask);
    const ctx = attendHeads(tf.mul(splitHeads(q, nh), this.scale), tf.transpose(kh, [0, 1, 3, 2]), vh, {
      mask: extendMaskForPrefix(mask, p),
      dropout: (probs) => this.child<UnaryModule>('attn_dropout').forward(probs),
    });
    const output = this.child<UnaryModule>('resid_dropout').forward(
      this.child<UnaryModule>('c_proj').forward(mergeHeads(ctx)),
    );
    return { output, kv };
  }
}

import {
  type AttentionCallOptions,
  activationFromName,
  dropout,
  LayerNorm,
  Linear,
  Module,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { speechSelfAttention } from '../common/self-attention.js';
import type { Wav2Vec2FamilyConfig } from './config.js';

/** `feed_forward`: `intermediate_dense`, activation, `output_dense` (dropout after each). */
export class Wav2Vec2FeedForward extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;
  private readonly rates: { activation: number; hidden: number };

  constructor(config: Wav2Vec2FamilyConfig) {
    super();
    this.registerModule('intermediate_dense', new Linear(config.hidden_size, config.intermediate_size));
    this.registerModule('output_dense', new Linear(config.intermediate_size, config.hidden_size));
    this.act = activationFromName(config.hidden_act);
    this.rates = { activation: config.activation_dropout, hidden: config.hidden_dropout };
  }

  forward(x: tf.Tensor): tf.Tensor {
    const up = this.act.forward(this.child<UnaryModule>('intermediate_dense').forward(x));
    const down = this.child<UnaryModule>('output_dense').forward(
      dropout(up, this.rates.activation, this.training),
    );
    return dropout(down, this.rates.hidden, this.training);
  }
}

/**
 * MMS's `adapter_layer` (HF `Wav2Vec2AttnAdapterLayer`): `norm`, `linear_1` (hidden ->
 * adapter_attn_dim), ReLU, `linear_2` back; the layer adds its output to the residual stream.
 * One set per language is swapped in with `loadMmsAdapter`.
 */
export class Wav2Vec2AttnAdapterLayer extends Module<[tf.Tensor], tf.Tensor> {
  constructor(hidden: number, width: number) {
    super();
    this.registerModule('norm', new LayerNorm(hidden));
    this.registerModule('linear_1', new Linear(hidden, width));
    this.registerModule('linear_2', new Linear(width, hidden));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const u = (name: string) => this.child<UnaryModule>(name);
    return u('linear_2').forward(tf.relu(u('linear_1').forward(u('norm').forward(x))));
  }
}

type AttentionModule = Module<[tf.Tensor, AttentionCallOptions?], tf.Tensor>;

/**
 * `encoder.layers.N` of wav2vec2 / HuBERT: `attention` (q/k/v/out_proj), `layer_norm`,
 * `feed_forward`, `final_layer_norm`, and with MMS adapters `adapter_layer`.
 *
 * - post-norm (`do_stable_layer_norm = false`, base models): `x = layer_norm(x + attn(x))`,
 *   `x = final_layer_norm(x + ff(x))`;
 * - pre-norm (`do_stable_layer_norm = true`, large / XLS-R / MMS): `x = x + attn(layer_norm(x))`,
 *   `x = x + ff(final_layer_norm(x))`, then `x = x + adapter_layer(x)` when present.
 */
export class Wav2Vec2EncoderLayer extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  readonly stable: boolean;
  private readonly hiddenDropout: number;

  constructor(config: Wav2Vec2FamilyConfig) {
    super();
    const h = config.hidden_size;
    const eps = config.layer_norm_eps;
    this.stable = config.do_stable_layer_norm;
    this.hiddenDropout = config.hidden_dropout;
    this.registerModule(
      'attention',
      speechSelfAttention(h, config.num_attention_heads, { dropout: config.attention_dropout }),
    );
    this.registerModule('layer_norm', new LayerNorm(h, { eps }));
    this.registerModule('feed_forward', new Wav2Vec2FeedForward(config));
    this.registerModule('final_layer_norm', new LayerNorm(h, { eps }));
    if (config.adapter_attn_dim !== null) {
      this.registerModule('adapter_layer', new Wav2Vec2AttnAdapterLayer(h, config.adapter_attn_dim));
    }
  }

  /** `hidden [B, T, H]`, padding mask `[B, T]` (1 = frame) or undefined -> `[B, T, H]`. */
  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const u = (name: string) => this.child<UnaryModule>(name);
    const attend = (x: tf.Tensor) =>
      dropout(
        this.child<AttentionModule>('attention').forward(x, mask ? { attentionMask: mask } : {}),
        this.hiddenDropout,
        this.training,
      );
    if (!this.stable) {
      const h = u('layer_norm').forward(tf.add(hidden, attend(hidden)));
      return u('final_layer_norm').forward(tf.add(h, u('feed_forward').forward(h)));
    }
    let h = tf.add(hidden, attend(u('layer_norm').forward(hidden)));
    h = tf.add(h, u('feed_forward').forward(u('final_layer_norm').forward(h)));
    if (this.hasSubmodule('adapter_layer')) h = tf.add(h, u('adapter_layer').forward(h));
    return h;
  }
}

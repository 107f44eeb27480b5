import { activationFromName, dropout, LayerNorm, Linear, Module, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { LayerKv } from '../gpt2/attention.js';
import type { CrossAttendingCall, CrossAttendingOutput } from '../seq2seq/cross-attending-layers.js';
import { BartAttention } from './attention.js';
import type { BartConfig } from './config.js';

/** What a layer needs besides its input. */
export type BartLayerCall = CrossAttendingCall;

/** What a layer returns: the new hidden states and (decoder) the keys/values to cache. */
export type BartLayerOutput = CrossAttendingOutput;

/**
 * `layers.N` of BART's / Marian's encoder or decoder (post-norm): `self_attn` then
 * `self_attn_layer_norm`, (decoder) `encoder_attn` then `encoder_attn_layer_norm`, `fc1`, the
 * activation, `fc2`, `final_layer_norm`; each sub-layer is `norm(x + dropout(f(x)))`.
 */
export class BartLayer extends Module<[tf.Tensor, BartLayerCall], BartLayerOutput> {
  readonly isDecoder: boolean;
  private readonly act: UnaryModule;
  private readonly dropoutRate: number;
  private readonly activationDropout: number;

  constructor(config: BartConfig, isDecoder: boolean) {
    super();
    this.isDecoder = isDecoder;
    const e = config.d_model;
    const heads = isDecoder ? config.decoder_attention_heads : config.encoder_attention_heads;
    const ffn = isDecoder ? config.decoder_ffn_dim : config.encoder_ffn_dim;
    this.act = activationFromName(config.activation_function);
    this.dropoutRate = config.dropout;
    this.activationDropout = config.activation_dropout;
    this.registerModule('self_attn', new BartAttention(e, heads, config.attention_dropout, isDecoder));
    this.registerModule('self_attn_layer_norm', new LayerNorm(e));
    if (isDecoder) {
      this.registerModule('encoder_attn', new BartAttention(e, heads, config.attention_dropout, isDecoder));
      this.registerModule('encoder_attn_layer_norm', new LayerNorm(e));
    }
    this.registerModule('fc1', new Linear(e, ffn));
    this.registerModule('fc2', new Linear(ffn, e));
    this.registerModule('final_layer_norm', new LayerNorm(e));
  }

  private residual(x: tf.Tensor, y: tf.Tensor, norm: string): tf.Tensor {
    return this.child<UnaryModule>(norm).forward(tf.add(x, dropout(y, this.dropoutRate, this.training)));
  }

  forward(x: tf.Tensor, call: BartLayerCall): BartLayerOutput {
    const a = this.child<BartAttention>('self_attn').forward(x, {
      kind: 'self',
      past: call.selfPast,
      bias: call.selfBias,
    });
    let h = this.residual(x, a.output, 'self_attn_layer_norm');
    let cross: LayerKv | undefined;
    if (this.isDecoder) {
      const c = this.child<BartAttention>('encoder_attn').forward(h, {
        kind: 'cross',
        source: call.crossPast ? undefined : call.source,
        past: call.crossPast,
        bias: call.crossBias,
      });
      cross = c.kv;
      h = this.residual(h, c.output, 'encoder_attn_layer_norm');
    }
    const up = dropout(
      this.act.forward(this.child<UnaryModule>('fc1').forward(h)),
      this.activationDropout,
      this.training,
    );
    const output = this.residual(h, this.child<UnaryModule>('fc2').forward(up), 'final_layer_norm');
    return { output, self: a.kv, cross };
  }
}

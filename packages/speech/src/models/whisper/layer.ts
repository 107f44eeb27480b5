import {
  type ActivationName,
  type AttentionCallOptions,
  activationFromName,
  dropout,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { speechSelfAttention } from '../common/self-attention.js';

/** Sizes and rates of a pre-norm encoder layer. */
export interface PreNormLayerOptions {
  readonly dModel: number;
  readonly heads: number;
  readonly ffnDim: number;
  readonly activation: ActivationName;
  readonly dropout: number;
  readonly attentionDropout: number;
  readonly activationDropout: number;
  /** Whether `self_attn.k_proj` has a bias (false in Whisper). */
  readonly keyBias: boolean;
  readonly layerNormEps?: number;
}

/**
 * HF's `WhisperEncoderLayer`: pre-norm self-attention (`self_attn_layer_norm`, `self_attn`) and
 * feed-forward (`final_layer_norm`, `fc1`, activation, `fc2`), each added to its input. Also the
 * layer of the from-scratch `speech/conv-transformer`, so both share one role map.
 */
export class PreNormEncoderLayer extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  private readonly act: UnaryModule;
  private readonly rates: { dropout: number; activation: number };

  constructor(o: PreNormLayerOptions) {
    super();
    const eps = o.layerNormEps ?? 1e-5;
    this.registerModule(
      'self_attn',
      speechSelfAttention(o.dModel, o.heads, { dropout: o.attentionDropout, keyBias: o.keyBias }),
    );
    this.registerModule('self_attn_layer_norm', new LayerNorm(o.dModel, { eps }));
    this.registerModule('fc1', new Linear(o.dModel, o.ffnDim));
    this.registerModule('fc2', new Linear(o.ffnDim, o.dModel));
    this.registerModule('final_layer_norm', new LayerNorm(o.dModel, { eps }));
    this.act = activationFromName(o.activation);
    this.rates = { dropout: o.dropout, activation: o.activationDropout };
  }

  /** `hidden [B, T, D]`, padding mask `[B, T]` (1 = frame) or undefined -> `[B, T, D]`. */
  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const u = (name: string) => this.child<UnaryModule>(name);
    const drop = (x: tf.Tensor, p: number) => dropout(x, p, this.training);
    // Typed by signature, not class: prefix tuning wraps `self_attn` in an adapter layer.
    const attn = this.child<Module<[tf.Tensor, AttentionCallOptions?], tf.Tensor>>('self_attn');
    const normed = u('self_attn_layer_norm').forward(hidden);
    const a = attn.forward(normed, mask ? { attentionMask: mask } : {});
    const h = tf.add(hidden, drop(a, this.rates.dropout));
    const up = drop(
      this.act.forward(u('fc1').forward(u('final_layer_norm').forward(h))),
      this.rates.activation,
    );
    return tf.add(h, drop(u('fc2').forward(up), this.rates.dropout));
  }
}

/** The config fields a stack of pre-norm layers reads (Whisper's names; the conv-transformer shares them). */
export interface PreNormStackConfig {
  readonly d_model: number;
  readonly encoder_layers: number;
  readonly encoder_attention_heads: number;
  readonly encoder_ffn_dim: number;
  readonly activation_function: PreNormLayerOptions['activation'];
  readonly dropout: number;
  readonly attention_dropout: number;
  readonly activation_dropout: number;
}

/** `encoder_layers` pre-norm layers in a `ModuleList` (children `0`, `1`, ...). */
export function preNormLayers(
  config: PreNormStackConfig,
  options: Pick<PreNormLayerOptions, 'keyBias' | 'layerNormEps'>,
): ModuleList<PreNormEncoderLayer> {
  const layers = new ModuleList<PreNormEncoderLayer>();
  for (let i = 0; i < config.encoder_layers; i++) {
    layers.append(
      new PreNormEncoderLayer({
        dModel: config.d_model,
        heads: config.encoder_attention_heads,
        ffnDim: config.encoder_ffn_dim,
        activation: config.activation_function,
        dropout: config.dropout,
        attentionDropout: config.attention_dropout,
        activationDropout: config.activation_dropout,
        ...options,
      }),
    );
  }
  return layers;
}

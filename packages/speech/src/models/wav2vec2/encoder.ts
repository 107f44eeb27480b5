import { dropout, LayerNorm, Linear, Module, ModuleList, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { runLayers } from '../common/layer-stack.js';
import { hasFeatureProjectionNorm, type Wav2Vec2FamilyConfig } from './config.js';
import { Wav2Vec2EncoderLayer } from './layer.js';
import { PositionalConvEmbedding } from './positional-conv.js';

/** `feature_projection`: `layer_norm` (absent when HuBERT's `feat_proj_layer_norm` is false), `projection`, dropout. */
export class FeatureProjection extends Module<[tf.Tensor], tf.Tensor> {
  private readonly rate: number;

  constructor(config: Wav2Vec2FamilyConfig) {
    super();
    const inDim = config.conv_dim[config.conv_dim.length - 1] as number;
    if (hasFeatureProjectionNorm(config)) {
      this.registerModule('layer_norm', new LayerNorm(inDim, { eps: config.layer_norm_eps }));
    }
    this.registerModule('projection', new Linear(inDim, config.hidden_size));
    this.rate = config.feat_proj_dropout;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const h = this.hasSubmodule('layer_norm') ? this.child<UnaryModule>('layer_norm').forward(x) : x;
    return dropout(this.child<UnaryModule>('projection').forward(h), this.rate, this.training);
  }
}

/**
 * `encoder`: `pos_conv_embed`, `layer_norm` and `layers`. Post-norm encoders normalise after
 * adding the positional conv, before the layers; stable-layer-norm encoders after the last layer.
 * Padded frames are zeroed before the positional conv and masked out of attention, as HF does
 * when it is given an attention mask.
 */
export class Wav2Vec2Encoder extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  private readonly settings: { stable: boolean; dropout: number; layerdrop: number };

  constructor(config: Wav2Vec2FamilyConfig) {
    super();
    this.registerModule('pos_conv_embed', new PositionalConvEmbedding(config));
    this.registerModule('layer_norm', new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps }));
    this.registerModule(
      'layers',
      new ModuleList(
        Array.from({ length: config.num_hidden_layers }, () => new Wav2Vec2EncoderLayer(config)),
      ),
    );
    this.settings = {
      stable: config.do_stable_layer_norm,
      dropout: config.hidden_dropout,
      layerdrop: config.layerdrop,
    };
  }

  /** `hidden [B, T, H]`, frame mask `[B, T]` (float 0/1) or undefined -> `[B, T, H]`. */
  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const u = (name: string) => this.child<UnaryModule>(name);
    let h = mask ? tf.mul(hidden, tf.expandDims(mask, 2)) : hidden;
    h = tf.add(h, u('pos_conv_embed').forward(h));
    if (!this.settings.stable) h = u('layer_norm').forward(h);
    h = dropout(h, this.settings.dropout, this.training);
    h = runLayers(this.child<ModuleList<Wav2Vec2EncoderLayer>>('layers'), h, mask, {
      training: this.training,
      layerdrop: this.settings.layerdrop,
    });
    return this.settings.stable ? u('layer_norm').forward(h) : h;
  }
}

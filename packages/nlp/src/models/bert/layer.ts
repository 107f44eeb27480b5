import {
  activationFromName,
  Dropout,
  type EncoderCallOptions,
  LayerNorm,
  Linear,
  Module,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from './config.js';
import { BertSelfAttention } from './self-attention.js';

/**
 * `dense` + dropout, then `LayerNorm(x + residual)`: HF's `BertSelfOutput` (attention.output)
 * and `BertOutput` (output) differ only in their input width.
 */
export class BertResidualOutput extends Module<[tf.Tensor, tf.Tensor], tf.Tensor> {
  constructor(inFeatures: number, config: BertConfig) {
    super();
    this.registerModule('dense', new Linear(inFeatures, config.hidden_size));
    this.registerModule('LayerNorm', new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps }));
    this.registerModule('dropout', new Dropout(config.hidden_dropout_prob));
  }

  forward(x: tf.Tensor, residual: tf.Tensor): tf.Tensor {
    const h = this.child<UnaryModule>('dropout').forward(this.child<UnaryModule>('dense').forward(x));
    return this.child<UnaryModule>('LayerNorm').forward(tf.add(h, residual));
  }
}

/** `attention`: `self` (BertSelfAttention) and `output` (dense, LayerNorm). */
export class BertAttention extends Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor> {
  constructor(config: BertConfig) {
    super();
    this.registerModule('self', new BertSelfAttention(config));
    this.registerModule('output', new BertResidualOutput(config.hidden_size, config));
  }

  forward(hidden: tf.Tensor, options: EncoderCallOptions = {}): tf.Tensor {
    const ctx = this.child<BertSelfAttention>('self').forward(hidden, options);
    return this.child<BertResidualOutput>('output').forward(ctx, hidden);
  }
}

/** `intermediate`: `dense` (hidden -> intermediate) and the activation. */
export class BertIntermediate extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;

  constructor(config: BertConfig) {
    super();
    this.registerModule('dense', new Linear(config.hidden_size, config.intermediate_size));
    this.act = activationFromName(config.hidden_act);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.act.forward(this.child<UnaryModule>('dense').forward(x));
  }
}

/**
 * `encoder.layer.N`: attention, intermediate, output (post-LayerNorm residual blocks, with the
 * residual and LayerNorm inside `attention.output` and `output`, as HF names them).
 */
export class BertLayer extends Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor> {
  constructor(config: BertConfig) {
    super();
    this.registerModule('attention', new BertAttention(config));
    this.registerModule('intermediate', new BertIntermediate(config));
    this.registerModule('output', new BertResidualOutput(config.intermediate_size, config));
  }

  forward(hidden: tf.Tensor, options: EncoderCallOptions = {}): tf.Tensor {
    const a = this.child<BertAttention>('attention').forward(hidden, options);
    const i = this.child<UnaryModule>('intermediate').forward(a);
    return this.child<BertResidualOutput>('output').forward(i, a);
  }
}

import {
  type AnyModule,
  activationFromName,
  Dropout,
  Linear,
  Module,
  RMSNorm,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { LayerKv } from '../gpt2/attention.js';
import type { CachedAttentionCall } from '../seq2seq/cached-attention.js';
import { T5Attention } from './attention.js';
import { type T5Config, t5FeedForward } from './config.js';

/** T5's RMS `layer_norm`: no mean subtraction, no bias (HF `T5LayerNorm`). */
function t5Norm(config: T5Config): RMSNorm {
  return new RMSNorm(config.d_model, { eps: config.layer_norm_epsilon });
}

/**
 * `layer.N.DenseReluDense`: `wo(act(wi(x)))` (T5 v1.0, `T5DenseActDense`) or gated
 * `wo(act(wi_0(x)) * wi_1(x))` (T5 v1.1 / Flan, `T5DenseGatedActDense`); bias-free.
 */
export class T5DenseActDense extends Module<[tf.Tensor], tf.Tensor> {
  readonly gated: boolean;
  private readonly act: UnaryModule;

  constructor(config: T5Config) {
    super();
    const { activation, gated } = t5FeedForward(config);
    this.gated = gated;
    this.act = activationFromName(activation);
    const noBias = { bias: false };
    if (gated) {
      this.registerModule('wi_0', new Linear(config.d_model, config.d_ff, noBias));
      this.registerModule('wi_1', new Linear(config.d_model, config.d_ff, noBias));
    } else {
      this.registerModule('wi', new Linear(config.d_model, config.d_ff, noBias));
    }
    this.registerModule('wo', new Linear(config.d_ff, config.d_model, noBias));
    this.registerModule('dropout', new Dropout(config.dropout_rate));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const h = this.gated
      ? tf.mul(
          this.act.forward(this.child<UnaryModule>('wi_0').forward(x)),
          this.child<UnaryModule>('wi_1').forward(x),
        )
      : this.act.forward(this.child<UnaryModule>('wi').forward(x));
    return this.child<UnaryModule>('wo').forward(this.child<UnaryModule>('dropout').forward(h));
  }
}

/** `layer.N` holding the feed-forward: `x + dropout(DenseReluDense(layer_norm(x)))`. */
export class T5LayerFF extends Module<[tf.Tensor], tf.Tensor> {
  constructor(config: T5Config) {
    super();
    this.registerModule('DenseReluDense', new T5DenseActDense(config));
    this.registerModule('layer_norm', t5Norm(config));
    this.registerModule('dropout', new Dropout(config.dropout_rate));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const y = this.child<UnaryModule>('DenseReluDense').forward(
      this.child<UnaryModule>('layer_norm').forward(x),
    );
    return tf.add(x, this.child<UnaryModule>('dropout').forward(y));
  }
}

/**
 * `layer.0` (`SelfAttention`) or the decoder's `layer.1` (`EncDecAttention`):
 * `x + dropout(attention(layer_norm(x)))`, returning the keys/values to cache.
 */
export class T5LayerAttention extends Module<
  [tf.Tensor, CachedAttentionCall],
  { output: tf.Tensor; kv: LayerKv }
> {
  readonly attentionName: 'SelfAttention' | 'EncDecAttention';
  /** The attention built here, for `positionBias` (the child may be wrapped by prefix tuning). */
  readonly attention: T5Attention;

  constructor(
    config: T5Config,
    kind: 'self' | 'cross',
    options: { isDecoder: boolean; relativeBias: boolean },
  ) {
    super();
    this.attentionName = kind === 'self' ? 'SelfAttention' : 'EncDecAttention';
    this.attention = this.registerModule(this.attentionName, new T5Attention(config, options));
    this.registerModule('layer_norm', t5Norm(config));
    this.registerModule('dropout', new Dropout(config.dropout_rate));
  }

  /** The attention as called: the module at `attentionName` (an adapter wrapper, if any). */
  get attentionModule(): AnyModule {
    return this.child<AnyModule>(this.attentionName);
  }

  forward(x: tf.Tensor, call: CachedAttentionCall): { output: tf.Tensor; kv: LayerKv } {
    const a = this.child<T5Attention>(this.attentionName).forward(
      this.child<UnaryModule>('layer_norm').forward(x),
      call,
    );
    return { output: tf.add(x, this.child<UnaryModule>('dropout').forward(a.output)), kv: a.kv };
  }
}

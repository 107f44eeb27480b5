import * as tf from '@tensorflow/tfjs';
import { type ActivationName, activationFromName } from './activations.js';
import { assertPositiveInt, assertProbability } from './checks.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module, type UnaryModule } from './module.js';
import { type AttentionCallOptions, MultiHeadAttention } from './multi-head-attention.js';

export interface TransformerEncoderLayerOptions {
  /** Hidden size of the feed-forward block (default 2048, as PyTorch). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on attention probs. */
  dropout?: number;
  /** Feed-forward activation: `'relu'` (default), `'gelu'` or any `activationFromName` name. */
  activation?: ActivationName;
  /** Pre-norm (`x + f(norm(x))`) instead of post-norm (`norm(x + f(x))`, default). */
  normFirst?: boolean;
  layerNormEps?: number;
}

/** Per-call options shared by encoder layers and stacks. */
export type EncoderCallOptions = Pick<AttentionCallOptions, 'attentionMask' | 'causal'>;

/** What `TransformerEncoder` stacks: `forward(x, options?)` -> same-shaped `x`. */
export type EncoderLayerModule = Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor>;

/**
 * PyTorch's `nn.TransformerEncoderLayer` (batch-first) with its child names: `self_attn`,
 * `linear1`, `dropout`, `linear2`, `norm1`, `norm2`, `dropout1`, `dropout2`. `self_attn` is a
 * `MultiHeadAttention`, so its projections are `self_attn.q_proj` ... `self_attn.out_proj`
 * (PyTorch fuses q/k/v into one `in_proj_weight`; split it at the file boundary).
 *
 * The activation is a plain function in PyTorch, not a child, so it is not registered here
 * either and state-dict keys match.
 *
 * @example
 * const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 128, normFirst: true });
 * const y = layer.call(x, { attentionMask }); // x: [B, T, 64]
 */
export class TransformerEncoderLayer extends Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor> {
  readonly dModel: number;
  readonly nHead: number;
  readonly dimFeedforward: number;
  readonly normFirst: boolean;
  private readonly activation: UnaryModule;

  constructor(dModel: number, nHead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const caller = 'TransformerEncoderLayer';
    this.dModel = assertPositiveInt(dModel, 'dModel', caller);
    this.nHead = assertPositiveInt(nHead, 'nHead', caller);
    this.dimFeedforward = assertPositiveInt(options.dimFeedforward ?? 2048, 'dimFeedforward', caller);
    const p = assertProbability(options.dropout ?? 0.1, 'dropout', caller);
    const eps = options.layerNormEps ?? 1e-5;
    this.normFirst = options.normFirst ?? false;
    this.activation = activationFromName(options.activation ?? 'relu');
    this.registerModule('self_attn', new MultiHeadAttention(dModel, nHead, { dropout: p }));
    this.registerModule('linear1', new Linear(dModel, this.dimFeedforward));
    this.registerModule('dropout', new Dropout(p));
    this.registerModule('linear2', new Linear(this.dimFeedforward, dModel));
    this.registerModule('norm1', new LayerNorm(dModel, { eps }));
    this.registerModule('norm2', new LayerNorm(dModel, { eps }));
    this.registerModule('dropout1', new Dropout(p));
    this.registerModule('dropout2', new Dropout(p));
  }

  get selfAttn(): Module<[tf.Tensor, AttentionCallOptions?], tf.Tensor> {
    return this.child('self_attn');
  }

  forward(x: tf.Tensor, options: EncoderCallOptions = {}): tf.Tensor {
    const u = (name: string) => this.child<UnaryModule>(name);
    const attn = (h: tf.Tensor) => u('dropout1').call(this.selfAttn.call(h, options));
    const ff = (h: tf.Tensor) =>
      u('dropout2').call(u('linear2').call(u('dropout').call(this.activation.call(u('linear1').call(h)))));
    if (this.normFirst) {
      const h = tf.add(x, attn(u('norm1').call(x)));
      return tf.add(h, ff(u('norm2').call(h)));
    }
    const h = u('norm1').call(tf.add(x, attn(x)));
    return u('norm2').call(tf.add(h, ff(h)));
  }
}

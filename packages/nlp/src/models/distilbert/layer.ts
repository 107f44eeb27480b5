import { activationFromName, Dropout, LayerNorm, Linear, Module, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { multiHeadContext } from '../common/multi-head-attention.js';
import { PrefixTunableAttention } from '../common/prefix-hook.js';
import { DISTILBERT_LAYER_NORM_EPS, type DistilBertConfig } from './config.js';

/**
 * `transformer.layer.N.attention` (HF `MultiHeadSelfAttention`): `q_lin`, `k_lin`, `v_lin`, the
 * heads (BERT's attention maths), then `out_lin`. Exposes `setPrefixProvider` for prefix tuning.
 */
export class DistilBertSelfAttention extends PrefixTunableAttention<
  [tf.Tensor, tf.Tensor | undefined],
  tf.Tensor
> {
  readonly embedDim: number;
  readonly numHeads: number;

  constructor(config: DistilBertConfig) {
    super();
    const d = config.dim;
    this.embedDim = d;
    this.numHeads = config.n_heads;
    for (const name of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) this.registerModule(name, new Linear(d, d));
    this.registerModule('dropout', new Dropout(config.attention_dropout));
  }

  /** `hidden [B, T, D]`, additive `mask [B, 1, 1, T]` (or undefined) -> `[B, T, D]`. */
  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const lin = (name: string) => this.child<UnaryModule>(name).forward(hidden);
    const context = multiHeadContext({
      query: lin('q_lin'),
      key: lin('k_lin'),
      value: lin('v_lin'),
      numHeads: this.numHeads,
      mask,
      dropout: this.child<UnaryModule>('dropout'),
      prefix: this.prefixHook.fetch(
        hidden.shape[0] as number,
        this.embedDim,
        'DistilBertSelfAttention.forward',
      ),
    });
    return this.child<UnaryModule>('out_lin').forward(context);
  }
}

/** `ffn` (HF `FFN`): `lin1` (dim -> hidden_dim), the activation, `lin2`, dropout. */
export class DistilBertFfn extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;

  constructor(config: DistilBertConfig) {
    super();
    this.registerModule('lin1', new Linear(config.dim, config.hidden_dim));
    this.registerModule('lin2', new Linear(config.hidden_dim, config.dim));
    this.registerModule('dropout', new Dropout(config.dropout));
    this.act = activationFromName(config.activation);
  }

  forward(x: tf.Tensor): tf.Tensor {
    const up = this.act.forward(this.child<UnaryModule>('lin1').forward(x));
    return this.child<UnaryModule>('dropout').forward(this.child<UnaryModule>('lin2').forward(up));
  }
}

/**
 * `transformer.layer.N` (HF `TransformerBlock`): post-LayerNorm residual blocks,
 * `sa_layer_norm(attention(x) + x)` then `output_layer_norm(ffn(a) + a)`.
 */
export class DistilBertLayer extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  constructor(config: DistilBertConfig) {
    super();
    const ln = () => new LayerNorm(config.dim, { eps: DISTILBERT_LAYER_NORM_EPS });
    this.registerModule('attention', new DistilBertSelfAttention(config));
    this.registerModule('sa_layer_norm', ln());
    this.registerModule('ffn', new DistilBertFfn(config));
    this.registerModule('output_layer_norm', ln());
  }

  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    const attended = this.child<DistilBertSelfAttention>('attention').forward(hidden, mask);
    const a = this.child<UnaryModule>('sa_layer_norm').forward(tf.add(attended, hidden));
    const f = this.child<UnaryModule>('ffn').forward(a);
    return this.child<UnaryModule>('output_layer_norm').forward(tf.add(f, a));
  }
}

import {
  type AttentionProjectionNames,
  Dropout,
  type EncoderCallOptions,
  Linear,
  Module,
  MultiHeadAttention,
} from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/** HF's names in ViT's `attention.attention`; the output projection is the sibling `attention.output.dense`. */
export const VIT_SELF_ATTENTION_NAMES: Readonly<AttentionProjectionNames> = Object.freeze({
  query: 'query',
  key: 'key',
  value: 'value',
  output: null,
});

/**
 * HF's `ViTSelfAttention`: core's multi-head attention with `query`, `key`, `value` Linears
 * (biases per `qkv_bias`) and a `dropout` child, returning the heads' context `[B, T, d]`. A
 * prefix-tuning host (role `attention`).
 */
export class ViTSelfAttention extends MultiHeadAttention {
  constructor(hiddenSize: number, numHeads: number, options: { qkvBias: boolean; dropout: number }) {
    super(hiddenSize, numHeads, {
      names: VIT_SELF_ATTENTION_NAMES,
      bias: options.qkvBias,
      dropout: options.dropout,
      dropoutModule: 'dropout',
      // ViTModel runs HF's init over the whole tree afterwards.
      init: 'linear',
    });
  }
}

/** HF's `ViTSelfOutput`: `dense` + dropout (the residual is added by the layer). */
export class ViTSelfOutput extends Module<[tf.Tensor], tf.Tensor> {
  constructor(hiddenSize: number, dropout: number) {
    super();
    this.registerModule('dense', new Linear(hiddenSize, hiddenSize));
    this.registerModule('dropout', new Dropout(dropout));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.child('dropout').call(this.child('dense').call(x));
  }
}

/** HF's `ViTAttention`: `attention` (self-attention) then `output`. */
export class ViTAttention extends Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor> {
  constructor(
    hiddenSize: number,
    numHeads: number,
    options: { qkvBias: boolean; attentionDropout: number; hiddenDropout: number },
  ) {
    super();
    this.registerModule(
      'attention',
      new ViTSelfAttention(hiddenSize, numHeads, {
        qkvBias: options.qkvBias,
        dropout: options.attentionDropout,
      }),
    );
    this.registerModule('output', new ViTSelfOutput(hiddenSize, options.hiddenDropout));
  }

  forward(x: tf.Tensor, options: EncoderCallOptions = {}): tf.Tensor {
    return this.child('output').call(this.child<ViTSelfAttention>('attention').call(x, options));
  }
}

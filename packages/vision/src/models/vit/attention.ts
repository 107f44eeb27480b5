import { Dropout, Linear, Module, type PrefixProvider } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/**
 * HF's `ViTSelfAttention`: `query`, `key`, `value` Linears and scaled dot-product attention over
 * `[B, T, d]`. It is a prefix host (`setPrefixProvider`, `embedDim`, `numHeads`), so prefix
 * tuning can prepend keys/values at the `attention` role, as core's `MultiHeadAttention`.
 */
export class ViTSelfAttention extends Module<[tf.Tensor], tf.Tensor> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  private prefix: PrefixProvider | undefined;

  constructor(hiddenSize: number, numHeads: number, options: { qkvBias: boolean; dropout: number }) {
    super();
    this.embedDim = hiddenSize;
    this.numHeads = numHeads;
    this.headDim = hiddenSize / numHeads;
    for (const name of ['query', 'key', 'value']) {
      this.registerModule(name, new Linear(hiddenSize, hiddenSize, { bias: options.qkvBias }));
    }
    this.registerModule('dropout', new Dropout(options.dropout));
  }

  setPrefixProvider(fn: PrefixProvider | undefined): void {
    this.prefix = fn;
  }

  get prefixProvider(): PrefixProvider | undefined {
    return this.prefix;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const [b, t] = x.shape as [number, number, number];
    const h = this.numHeads;
    const d = this.headDim;
    let k = this.child('key').call(x);
    let v = this.child('value').call(x);
    if (this.prefix) {
      const pre = this.prefix(b);
      if (
        pre.key.rank !== 3 ||
        pre.key.shape[0] !== b ||
        pre.key.shape[2] !== this.embedDim ||
        pre.value.shape[1] !== pre.key.shape[1]
      ) {
        throw new Error(
          `ViTSelfAttention: prefix keys/values must be [${b}, P, ${this.embedDim}], got [${pre.key.shape}] / [${pre.value.shape}]`,
        );
      }
      k = tf.concat([pre.key, k], 1);
      v = tf.concat([pre.value, v], 1);
    }
    const s = k.shape[1] as number;
    // Explicit transposes: wasm's matMul is fast only for non-transposed operands.
    const q = tf.mul(
      tf.transpose(tf.reshape(this.child('query').call(x), [b, t, h, d]), [0, 2, 1, 3]),
      1 / Math.sqrt(d),
    );
    const kt = tf.transpose(tf.reshape(k, [b, s, h, d]), [0, 2, 3, 1]);
    const vh = tf.transpose(tf.reshape(v, [b, s, h, d]), [0, 2, 1, 3]);
    const probs = this.child('dropout').call(tf.softmax(tf.matMul(q, kt), -1));
    return tf.reshape(tf.transpose(tf.matMul(probs, vh), [0, 2, 1, 3]), [b, t, this.embedDim]);
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
export class ViTAttention extends Module<[tf.Tensor], tf.Tensor> {
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

  forward(x: tf.Tensor): tf.Tensor {
    return this.child('output').call(this.child('attention').call(x));
  }
}

import {
  activationFromName,
  BatchNorm1d,
  Conv1d,
  convNhwc,
  Module,
  normal,
  type Parameter,
  type UnaryModule,
  zeros,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { resetParameter } from '../common/init-weights.js';
import { usesPositionalBatchNorm, type Wav2Vec2FamilyConfig } from './config.js';

/**
 * A grouped 1-D conv with PyTorch's weight normalisation over every axis but the kernel axis
 * (`weight_norm(conv, dim=2)`): `weight = weight_g * weight_v / ||weight_v||`, the norm taken
 * over output and input channels for each kernel tap. Parameters keep HF's legacy names
 * `weight_g` (file `[1, 1, k]`) and `weight_v` (file `[out, in/groups, k]`); files with the newer
 * `parametrizations.weight.original0/1` names are renamed on load. Symmetric zero padding.
 */
export class WeightNormConv1d extends Module<[tf.Tensor], tf.Tensor> {
  readonly weightG: Parameter;
  readonly weightV: Parameter;
  readonly bias: Parameter;

  constructor(
    readonly channels: number,
    readonly kernelSize: number,
    readonly groups: number,
    readonly padding: number,
  ) {
    super();
    const perGroup = channels / groups;
    // HF init: weight ~ N(0, 2 sqrt(1 / (k * in))) before weight norm, zero bias.
    const v = normal([kernelSize, perGroup, channels], 2 * Math.sqrt(1 / (kernelSize * channels)));
    try {
      this.weightV = this.registerParameter('weight_v', v, { layout: 'conv1d' });
      this.weightG = this.initParameter('weight_g', () => tf.sqrt(tf.sum(tf.square(v), [1, 2], true)), {
        layout: 'conv1d',
      });
    } finally {
      v.dispose();
    }
    this.bias = this.initParameter('bias', () => zeros([channels]));
  }

  /** The effective kernel `[k, in/groups, out]`. */
  weight(): tf.Tensor {
    const v = this.weightV.value;
    return tf.mul(this.weightG.value, tf.div(v, tf.sqrt(tf.sum(tf.square(v), [1, 2], true))));
  }

  /** `[B, L, C]` -> `[B, L + 2p - k + 1, C]`. */
  forward(x: tf.Tensor): tf.Tensor {
    const [b, l, c] = x.shape as [number, number, number];
    const k = this.kernelSize;
    const w = tf.reshape(this.weight(), [1, k, c / this.groups, c]) as tf.Tensor4D;
    const y = convNhwc(tf.reshape(x, [b, 1, l, c]) as tf.Tensor4D, w, {
      stride: [1, 1],
      padding: [0, this.padding],
      dilation: [1, 1],
      groups: this.groups,
      mode: this.groups === 1 ? 'dense' : 'grouped',
    });
    return tf.add(tf.reshape(y, [b, y.shape[2], c]), this.bias.value);
  }
}

/**
 * `encoder.pos_conv_embed`: relative positions from a wide grouped conv over the frames
 * (`conv`, weight-normed; or, for HuBERT's `conv_pos_batch_norm`, `batch_norm` then a plain
 * conv), the extra frame of an even kernel removed, then the activation.
 */
export class PositionalConvEmbedding extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;
  private readonly kernel: number;

  constructor(config: Wav2Vec2FamilyConfig) {
    super();
    const c = config.hidden_size;
    const k = config.num_conv_pos_embeddings;
    const g = config.num_conv_pos_embedding_groups;
    this.kernel = k;
    if (usesPositionalBatchNorm(config)) {
      this.registerModule('batch_norm', new BatchNorm1d(c));
      const conv = this.registerModule(
        'conv',
        new Conv1d(c, c, k, { padding: Math.floor(k / 2), groups: g }),
      );
      if (conv.bias) resetParameter(conv.bias, () => tf.zeros([c]));
    } else {
      this.registerModule('conv', new WeightNormConv1d(c, k, g, Math.floor(k / 2)));
    }
    this.act = activationFromName(config.feat_extract_activation);
  }

  /**
   * HuBERT's BatchNorm. When its parameters are frozen (a PEFT base) it normalises with the
   * running statistics even in training mode, so a frozen base does not drift with each batch.
   */
  private normalise(h: tf.Tensor): tf.Tensor {
    const bn = this.child<BatchNorm1d>('batch_norm');
    if (!bn.training || bn.weight?.trainable !== false) return bn.forward(h);
    bn.eval();
    try {
      return bn.forward(h);
    } finally {
      bn.train();
    }
  }

  /** `[B, T, C]` -> `[B, T, C]`. */
  forward(hidden: tf.Tensor): tf.Tensor {
    let h = hidden;
    if (this.hasSubmodule('batch_norm')) h = this.normalise(h);
    h = this.child<UnaryModule>('conv').forward(h);
    if (this.kernel % 2 === 0) {
      const [b, t, c] = h.shape as [number, number, number];
      h = tf.slice(h, [0, 0, 0], [b, t - 1, c]);
    }
    return this.act.forward(h);
  }
}

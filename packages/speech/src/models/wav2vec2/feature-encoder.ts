import {
  activationFromName,
  Conv1d,
  LayerNorm,
  Module,
  ModuleList,
  ones,
  type Parameter,
  type UnaryModule,
  zeros,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { Wav2Vec2FamilyConfig } from './config.js';

/**
 * PyTorch's `nn.GroupNorm(num_groups=C, num_channels=C)` on channels-last `[B, L, C]`: each
 * channel of each example is normalised over time, then scaled and shifted per channel. This is
 * the `layer_norm` of wav2vec2-base's first conv layer.
 */
export class ChannelGroupNorm extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    readonly channels: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.initParameter('weight', () => ones([channels]));
    this.bias = this.initParameter('bias', () => zeros([channels]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const { mean, variance } = tf.moments(x, [1], true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
    return tf.add(tf.mul(y, this.weight.value), this.bias.value);
  }
}

/**
 * `feature_extractor.conv_layers.N`: `conv` (no padding), an optional `layer_norm` (GroupNorm on
 * the first layer in `group` mode, LayerNorm on every layer in `layer` mode) and the activation.
 */
export class FeatureConvLayer extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;

  constructor(config: Wav2Vec2FamilyConfig, index: number) {
    super();
    const inDim = index === 0 ? 1 : (config.conv_dim[index - 1] as number);
    const outDim = config.conv_dim[index] as number;
    this.registerModule(
      'conv',
      new Conv1d(inDim, outDim, config.conv_kernel[index] as number, {
        stride: config.conv_stride[index] as number,
        bias: config.conv_bias,
      }),
    );
    if (config.feat_extract_norm === 'layer') this.registerModule('layer_norm', new LayerNorm(outDim));
    else if (index === 0) this.registerModule('layer_norm', new ChannelGroupNorm(outDim));
    this.act = activationFromName(config.feat_extract_activation);
  }

  /** `[B, L, C_in]` -> `[B, L', C_out]`. */
  forward(x: tf.Tensor): tf.Tensor {
    let h = this.child<UnaryModule>('conv').forward(x);
    if (this.hasSubmodule('layer_norm')) h = this.child<UnaryModule>('layer_norm').forward(h);
    return this.act.forward(h);
  }
}

/**
 * `feature_extractor`: the strided conv stack that turns a waveform `[B, samples]` into frames
 * `[B, T, conv_dim[-1]]` (20 ms apart for the default strides at 16 kHz).
 */
export class FeatureEncoder extends Module<[tf.Tensor], tf.Tensor> {
  constructor(config: Wav2Vec2FamilyConfig) {
    super();
    this.registerModule(
      'conv_layers',
      new ModuleList(config.conv_dim.map((_, i) => new FeatureConvLayer(config, i))),
    );
  }

  forward(waveform: tf.Tensor): tf.Tensor {
    let h = tf.expandDims(waveform, 2);
    for (const layer of this.child<ModuleList<UnaryModule>>('conv_layers')) h = layer.forward(h);
    return h;
  }
}

/** Frames the conv stack makes of `samples` inputs (HF `_get_feat_extract_output_lengths`). */
export function featureEncoderOutputLength(config: Wav2Vec2FamilyConfig, samples: number): number {
  let n = samples;
  config.conv_kernel.forEach((k, i) => {
    n = Math.floor((n - k) / (config.conv_stride[i] as number)) + 1;
  });
  return n;
}

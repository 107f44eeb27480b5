import { Conv1d, dropout, gelu, LayerNorm, Module, type ModuleList, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { SpeechEncoderInputs, SpeechEncoderOutput } from '../common/encoder-output.js';
import { initLinearAndNorm } from '../common/init-weights.js';
import { runLayers } from '../common/layer-stack.js';
import {
  checkInputMask,
  convOutputLength,
  convOutputLengths,
  lengthMask,
  maskLengths,
} from '../common/lengths.js';
import { sinusoids } from '../common/sinusoids.js';
import { type PreNormEncoderLayer, preNormLayers } from '../whisper/layer.js';
import type { ConvTransformerConfig } from './config.js';

/** Frames after the conv stem (two stride-2 convs): about `frames / 4`. */
export function convTransformerOutputLength(frames: number): number {
  return convOutputLength(convOutputLength(frames, 3, 2, 1), 3, 2, 1);
}

/**
 * A small speech encoder to pretrain from scratch: `conv1` and `conv2` (kernel 3, stride 2, GELU)
 * subsample log-mel or fbank frames by 4, fixed sinusoidal positions are added (computed, not
 * stored, so any length works), then pre-norm `layers` with Whisper's names
 * (`layers.N.self_attn.q_proj`, `fc1`, `fc2`, ...) and a final `layer_norm`.
 *
 * Input: features `[B, num_mel_bins, frames]` (the same layout as the Whisper encoder), with an
 * optional `attentionMask` `[B, frames]`; padded frames are masked out of attention.
 *
 * @example
 * const enc = new ConvTransformerEncoder(convTransformerConfig({ num_mel_bins: 40 }));
 * const { lastHiddenState, outputLengths } = enc.call(fbank, { attentionMask });
 */
export class ConvTransformerEncoder extends Module<[tf.Tensor, SpeechEncoderInputs?], SpeechEncoderOutput> {
  readonly config: ConvTransformerConfig;
  private table: { length: number; values: Float32Array } = { length: 0, values: new Float32Array(0) };

  constructor(config: ConvTransformerConfig) {
    super();
    this.config = config;
    const d = config.d_model;
    this.registerModule('conv1', new Conv1d(config.num_mel_bins, d, 3, { stride: 2, padding: 1 }));
    this.registerModule('conv2', new Conv1d(d, d, 3, { stride: 2, padding: 1 }));
    this.registerModule(
      'layers',
      preNormLayers(config, { keyBias: true, layerNormEps: config.layer_norm_eps }),
    );
    this.registerModule('layer_norm', new LayerNorm(d, { eps: config.layer_norm_eps }));
    initLinearAndNorm(this, config.init_std);
  }

  /** The first `t` rows of the sinusoid table `[t, d_model]`, grown on demand. */
  private positions(t: number): tf.Tensor {
    const d = this.config.d_model;
    if (this.table.length < t) this.table = { length: t, values: sinusoids(t, d) };
    return tf.tensor2d(this.table.values.subarray(0, t * d), [t, d]);
  }

  forward(inputFeatures: tf.Tensor, inputs: SpeechEncoderInputs = {}): SpeechEncoderOutput {
    const caller = 'ConvTransformerEncoder.forward';
    const c = this.config;
    if (inputFeatures.rank !== 3 || inputFeatures.shape[1] !== c.num_mel_bins) {
      throw new Error(
        `${caller}: inputFeatures must be [B, ${c.num_mel_bins}, frames] (num_mel_bins ${c.num_mel_bins}), got [${inputFeatures.shape}]`,
      );
    }
    const [b, , frames] = inputFeatures.shape as [number, number, number];
    const t = convTransformerOutputLength(frames);
    const u = (name: string) => this.child<UnaryModule>(name);
    let h = tf.transpose(inputFeatures, [0, 2, 1]);
    h = gelu(u('conv1').forward(h));
    h = gelu(u('conv2').forward(h));
    h = dropout(tf.add(h, this.positions(t)), c.dropout, this.training);

    let lengths: tf.Tensor;
    let mask: tf.Tensor | undefined;
    if (inputs.attentionMask) {
      checkInputMask(inputs.attentionMask, b, frames, caller);
      lengths = convOutputLengths(
        convOutputLengths(maskLengths(inputs.attentionMask, caller), 3, 2, 1),
        3,
        2,
        1,
      );
      mask = lengthMask(lengths, t);
    } else {
      lengths = tf.fill([b], t, 'int32');
    }
    const layers = this.child<ModuleList<PreNormEncoderLayer>>('layers');
    h = runLayers(layers, h, mask, { training: this.training, layerdrop: c.encoder_layerdrop });
    return {
      lastHiddenState: u('layer_norm').forward(h),
      attentionMask: mask ?? tf.ones([b, t]),
      outputLengths: lengths,
    };
  }
}

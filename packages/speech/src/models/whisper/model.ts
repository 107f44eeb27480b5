import {
  Conv1d,
  dropout,
  gelu,
  LayerNorm,
  Module,
  type ModuleList,
  normal,
  type Parameter,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { SpeechEncoderInputs, SpeechEncoderOutput } from '../common/encoder-output.js';
import { initLinearAndNorm, resetParameter } from '../common/init-weights.js';
import { runLayers } from '../common/layer-stack.js';
import { checkInputMask, lengthMask, maskLengths } from '../common/lengths.js';
import { sinusoids } from '../common/sinusoids.js';
import type { WhisperConfig } from './config.js';
import { type PreNormEncoderLayer, preNormLayers } from './layer.js';

/** Frames after Whisper's conv stem (`conv2` has stride 2): `ceil(frames / 2)`. */
export function whisperOutputLength(frames: number): number {
  return Math.floor((frames - 1) / 2) + 1;
}

/**
 * `embed_positions`: the fixed sinusoidal table `[max_source_positions, d_model]` HF stores as an
 * (untrained) embedding weight. Kept as a buffer so no method ever trains it, but saved and
 * loaded under `embed_positions.weight` like HF's.
 */
export class WhisperPositions extends Module<[number], tf.Tensor> {
  readonly weight: Parameter;

  constructor(positions: number, width: number) {
    super();
    this.weight = this.initBuffer('weight', () =>
      tf.tensor2d(sinusoids(positions, width), [positions, width]),
    );
  }

  /** The first `t` rows `[t, d_model]`. */
  forward(t: number): tf.Tensor {
    return tf.slice(this.weight.value, [0, 0], [t, this.weight.shape[1] as number]);
  }
}

/**
 * The encoder of OpenAI's Whisper with Hugging Face `WhisperEncoder` names (`conv1`, `conv2`,
 * `embed_positions`, `layers.N.self_attn.q_proj`, ..., `layer_norm`), any size from its config.
 *
 * Input: log-mel features `[B, num_mel_bins, frames]` (HF's `input_features` layout). Unlike HF,
 * inputs shorter than 30 s are accepted: positions are taken from the start of the table. With
 * `attentionMask` (`[B, frames]`, 1 = real frame) padded frames are also masked out of attention
 * (HF's encoder ignores the mask, so for HF-identical outputs pad to 30 s and pass none).
 *
 * @example
 * const enc = new WhisperEncoder(whisperConfig());
 * const { lastHiddenState, attentionMask, outputLengths } = enc.call(mels, { attentionMask: frameMask });
 */
export class WhisperEncoder extends Module<[tf.Tensor, SpeechEncoderInputs?], SpeechEncoderOutput> {
  readonly config: WhisperConfig;

  constructor(config: WhisperConfig) {
    super();
    this.config = config;
    const d = config.d_model;
    this.registerModule('conv1', new Conv1d(config.num_mel_bins, d, 3, { padding: 1 }));
    this.registerModule('conv2', new Conv1d(d, d, 3, { stride: 2, padding: 1 }));
    this.registerModule('embed_positions', new WhisperPositions(config.max_source_positions, d));
    this.registerModule('layers', preNormLayers(config, { keyBias: false }));
    this.registerModule('layer_norm', new LayerNorm(d));
    // HF's _init_weights: N(0, init_std) for Linear and Conv1d weights, zero biases.
    initLinearAndNorm(this, config.init_std);
    for (const name of ['conv1', 'conv2']) {
      const conv = this.child<Conv1d>(name);
      resetParameter(conv.weight, () => normal(conv.weight.shape, config.init_std));
      if (conv.bias) resetParameter(conv.bias, () => tf.zeros(conv.bias!.shape));
    }
  }

  forward(inputFeatures: tf.Tensor, inputs: SpeechEncoderInputs = {}): SpeechEncoderOutput {
    const caller = 'WhisperEncoder.forward';
    const c = this.config;
    if (inputFeatures.rank !== 3 || inputFeatures.shape[1] !== c.num_mel_bins) {
      throw new Error(
        `${caller}: inputFeatures must be [B, ${c.num_mel_bins}, frames] (num_mel_bins ${c.num_mel_bins}), got [${inputFeatures.shape}]`,
      );
    }
    const [b, , frames] = inputFeatures.shape as [number, number, number];
    const t = whisperOutputLength(frames);
    if (t > c.max_source_positions) {
      throw new Error(
        `${caller}: ${frames} frames give ${t} positions, more than max_source_positions ${c.max_source_positions} (${2 * c.max_source_positions} frames)`,
      );
    }
    const u = (name: string) => this.child<UnaryModule>(name);
    let h = tf.transpose(inputFeatures, [0, 2, 1]);
    h = gelu(u('conv1').forward(h));
    h = gelu(u('conv2').forward(h));
    h = tf.add(h, this.child<WhisperPositions>('embed_positions').forward(t));
    h = dropout(h, c.dropout, this.training);

    let lengths: tf.Tensor;
    let mask: tf.Tensor | undefined;
    if (inputs.attentionMask) {
      checkInputMask(inputs.attentionMask, b, frames, caller);
      const frameLengths = maskLengths(inputs.attentionMask, caller);
      lengths = tf.floorDiv(tf.add(frameLengths, 1), 2);
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

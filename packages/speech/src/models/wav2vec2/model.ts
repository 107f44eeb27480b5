import { getRng, Module, type Parameter, type UnaryModule, uniform } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { SpeechEncoderInputs, SpeechEncoderOutput } from '../common/encoder-output.js';
import { initLinearAndNorm, resetParameter } from '../common/init-weights.js';
import { checkInputMask, convOutputLengths, lengthMask, maskLengths } from '../common/lengths.js';
import {
  type HubertConfig,
  hasMaskedSpecEmbed,
  type Wav2Vec2Config,
  type Wav2Vec2FamilyConfig,
} from './config.js';
import { FeatureProjection, Wav2Vec2Encoder } from './encoder.js';
import { FeatureEncoder, featureEncoderOutputLength } from './feature-encoder.js';
import { computeSpanMask } from './spec-augment.js';

export interface Wav2Vec2ModelOptions {
  /** Build `masked_spec_embed` (default: when the config sets a SpecAugment probability, as HF). */
  maskedSpecEmbed?: boolean;
}

/**
 * wav2vec 2.0 (and HuBERT, same layout) with Hugging Face `Wav2Vec2Model` names:
 * `feature_extractor.conv_layers.N.conv`, `feature_projection.projection`,
 * `encoder.pos_conv_embed.conv`, `encoder.layers.N.attention.q_proj`,
 * `encoder.layers.N.feed_forward.intermediate_dense`, `encoder.layers.N.adapter_layer` (MMS), ...
 *
 * Input: the raw waveform `[B, samples]` (16 kHz, zero mean / unit variance as HF's feature
 * extractor normalises it). `attentionMask` `[B, samples]` marks real samples; frames computed
 * from padding are then zeroed and masked out of attention, as HF does. HF advises against
 * passing a mask to models whose feature extractor has `return_attention_mask = false`
 * (wav2vec2-base): their group norm saw zero-padded audio in training.
 *
 * In training mode SpecAugment masks time spans with `masked_spec_embed` and zeroes feature
 * spans, per the config's `mask_time_*` / `mask_feature_*` fields (`apply_spec_augment: false`
 * turns it off).
 *
 * @example
 * const w2v = new Wav2Vec2Model(wav2vec2Config({ hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4 }));
 * const { lastHiddenState, outputLengths } = w2v.call(waveform, { attentionMask });
 */
export class Wav2Vec2Model extends Module<[tf.Tensor, SpeechEncoderInputs?], SpeechEncoderOutput> {
  readonly config: Wav2Vec2FamilyConfig;
  readonly maskedSpecEmbed: Parameter | undefined;

  constructor(config: Wav2Vec2FamilyConfig, options: Wav2Vec2ModelOptions = {}) {
    super();
    this.config = config;
    this.registerModule('feature_extractor', new FeatureEncoder(config));
    this.registerModule('feature_projection', new FeatureProjection(config));
    this.registerModule('encoder', new Wav2Vec2Encoder(config));
    this.maskedSpecEmbed =
      (options.maskedSpecEmbed ?? hasMaskedSpecEmbed(config))
        ? this.initParameter('masked_spec_embed', () => tf.add(uniform([config.hidden_size], 0.5), 0.5))
        : undefined;
    initLinearAndNorm(this, config.initializer_range);
    // HF initialises the projection after the conv stack with PyTorch's default Linear init.
    const proj = this.getSubmodule('feature_projection.projection');
    const bound = 1 / Math.sqrt(config.conv_dim[config.conv_dim.length - 1] as number);
    for (const [, p] of proj.namedParameters()) resetParameter(p, () => uniform(p.shape, bound));
  }

  /** Frames the model makes of `samples` inputs. */
  outputLength(samples: number): number {
    return featureEncoderOutputLength(this.config, samples);
  }

  /**
   * SpecAugment as HF's `_mask_hidden_states` in training mode: time spans replaced by
   * `masked_spec_embed` (within each row's valid frames for wav2vec2; HuBERT ignores the
   * lengths, as HF), feature spans zeroed across all frames. Masks come from peftkit's seeded
   * generator. Time masking needs `masked_spec_embed` and is skipped without it.
   */
  private specAugment(hidden: tf.Tensor, lengths: tf.Tensor): tf.Tensor {
    const c = this.config;
    const [b, t, d] = hidden.shape as [number, number, number];
    let h = hidden;
    if (c.mask_time_prob > 0 && this.maskedSpecEmbed) {
      const rows = c.model_type === 'wav2vec2' ? Array.from(lengths.dataSync()) : undefined;
      const m = computeSpanMask(
        getRng(),
        b,
        t,
        { prob: c.mask_time_prob, spanLength: c.mask_time_length, minMasks: c.mask_time_min_masks },
        rows,
      );
      if (m.some((v) => v === 1)) {
        const where = tf.cast(tf.tensor3d(m, [b, t, 1], 'int32'), 'bool');
        h = tf.where(
          tf.broadcastTo(where, [b, t, d]),
          tf.broadcastTo(this.maskedSpecEmbed.value, [b, t, d]),
          h,
        );
      }
    }
    if (c.mask_feature_prob > 0) {
      const m = computeSpanMask(getRng(), b, d, {
        prob: c.mask_feature_prob,
        spanLength: c.mask_feature_length,
        minMasks: c.mask_feature_min_masks,
      });
      const keep = Float32Array.from(m, (v) => 1 - v);
      h = tf.mul(h, tf.tensor3d(keep, [b, 1, d]));
    }
    return h;
  }

  forward(inputValues: tf.Tensor, inputs: SpeechEncoderInputs = {}): SpeechEncoderOutput {
    const caller = `${this.typeName}.forward`;
    if (inputValues.rank !== 2) {
      throw new Error(
        `${caller}: inputValues must be a waveform batch [B, samples], got [${inputValues.shape}]`,
      );
    }
    const [b, samples] = inputValues.shape as [number, number];
    const t = this.outputLength(samples);
    if (t < 1) {
      throw new Error(
        `${caller}: ${samples} samples are too short for the conv feature encoder (no frame left)`,
      );
    }
    const features = this.child<UnaryModule>('feature_extractor').forward(inputValues);
    let hidden = this.child<UnaryModule>('feature_projection').forward(features);
    let lengths: tf.Tensor;
    let mask: tf.Tensor | undefined;
    if (inputs.attentionMask) {
      checkInputMask(inputs.attentionMask, b, samples, caller);
      lengths = maskLengths(inputs.attentionMask, caller);
      this.config.conv_kernel.forEach((k, i) => {
        lengths = convOutputLengths(lengths, k, this.config.conv_stride[i] as number);
      });
      mask = lengthMask(lengths, t);
    } else {
      lengths = tf.fill([b], t, 'int32');
    }
    if (this.training && this.config.apply_spec_augment) hidden = this.specAugment(hidden, lengths);
    const h = this.child<Wav2Vec2Encoder>('encoder').forward(hidden, mask);
    return { lastHiddenState: h, attentionMask: mask ?? tf.ones([b, t]), outputLengths: lengths };
  }
}

/** HuBERT: the wav2vec2 layout under HF `HubertModel` names (`model_type` `hubert`). */
export class HubertModel extends Wav2Vec2Model {
  declare readonly config: HubertConfig;

  constructor(config: HubertConfig, options: Wav2Vec2ModelOptions = {}) {
    super(config, options);
  }
}

/** The model class for a family config. */
export function buildWav2Vec2Family(config: Wav2Vec2FamilyConfig): Wav2Vec2Model {
  return config.model_type === 'hubert'
    ? new HubertModel(config)
    : new Wav2Vec2Model(config as Wav2Vec2Config);
}

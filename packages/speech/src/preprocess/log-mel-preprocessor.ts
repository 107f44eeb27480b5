import { type EncodeContext, type Preprocessor, z } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { AudioExample } from '../data/audio-example.js';
import { SpecAugment, specAugmentConfig } from '../features/augment/spec-augment.js';
import { utteranceCmvn } from '../features/cmvn.js';
import type { FeatureMatrix } from '../features/feature-matrix.js';
import { kaldiFbankConfig } from '../features/kaldi-config.js';
import { KaldiFbank } from '../features/kaldi-fbank.js';
import { whisperFeatureConfig } from '../features/whisper-config.js';
import { WhisperLogMel } from '../features/whisper-log-mel.js';
import { speechDecodeShape } from './decode-options.js';
import { collateTargets, type EncodedSpeech, maskOf, type SpeechBatch } from './speech-batch.js';
import { SpeechPreprocessorBase } from './speech-preprocessor.js';

export const logMelOptions = z.strictObject({
  ...speechDecodeShape,
  /**
   * `fbank` (Kaldi filter banks, torchaudio's `compliance.kaldi.fbank`, on int16-scaled samples:
   * the usual front end of from-scratch encoders) or `whisper` (Whisper's log-mel, for Whisper bases).
   */
  features: z.enum(['fbank', 'whisper']).default('fbank'),
  /** Mel bins per frame: the model's `num_mel_bins` (80 for Whisper tiny..large-v2, 128 for large-v3). */
  numMelBins: z.number().int().min(4).default(80),
  /** Further Kaldi fbank options (frame length/shift, window, dither, ...). */
  fbank: kaldiFbankConfig.omit({ numMelBins: true, sampleFrequency: true }).optional(),
  /**
   * Further Whisper options. Its `padToChunk` (default true, as HF) pads every clip to 30 s (3000
   * frames), which Whisper checkpoints expect; set it false for faster training of other encoders.
   */
  whisper: whisperFeatureConfig.omit({ featureSize: true, samplingRate: true }).optional(),
  /** Per-utterance mean/variance normalisation (default: `utterance` for fbank, `none` for whisper). */
  cmvn: z.enum(['utterance', 'none']).optional(),
  /** SpecAugment masks in training (frequency and time masks); off when absent or false. */
  specAugment: z.union([z.literal(false), specAugmentConfig]).optional(),
});

export type LogMelOptions = z.output<typeof logMelOptions>;

/** Kaldi's features are defined on 16-bit sample values. */
const INT16_SCALE = 32768;

/**
 * The `speech/log-mel` preprocessor instance: decode -> waveform augmentation (training) -> Kaldi
 * fbank or Whisper log-mel -> per-utterance CMVN -> SpecAugment (training); collate pads to the
 * longest clip of the batch and hands the model `[B, numMelBins, frames]` (HF layout) with an
 * int32 frame mask `[B, frames]`.
 */
export class LogMelPreprocessor extends SpeechPreprocessorBase<LogMelOptions> {
  private readonly fbank: KaldiFbank | undefined;
  private readonly whisper: WhisperLogMel | undefined;
  private readonly specAugment: SpecAugment | undefined;
  private readonly cmvn: boolean;

  constructor(options: LogMelOptions, labels: readonly string[] | undefined, log?: (line: string) => void) {
    super(options, labels, log);
    if (options.features === 'fbank') {
      this.fbank = new KaldiFbank({
        ...options.fbank,
        numMelBins: options.numMelBins,
        sampleFrequency: options.samplingRate,
      });
    } else {
      this.whisper = new WhisperLogMel({
        ...options.whisper,
        featureSize: options.numMelBins,
        samplingRate: options.samplingRate,
      });
    }
    this.cmvn = (options.cmvn ?? (options.features === 'fbank' ? 'utterance' : 'none')) === 'utterance';
    this.specAugment = options.specAugment ? new SpecAugment(options.specAugment) : undefined;
  }

  protected valuesOf(samples: Float32Array, context: EncodeContext) {
    let m: FeatureMatrix;
    if (this.fbank) {
      const scaled = new Float32Array(samples.length);
      for (let i = 0; i < samples.length; i++) scaled[i] = samples[i]! * INT16_SCALE;
      m = this.fbank.extract(scaled, { rng: context.rng });
    } else {
      m = (this.whisper as WhisperLogMel).extract(samples, { rng: context.rng }).features;
    }
    if (m.numFrames === 0) throw new Error('speech/log-mel: the clip is shorter than one frame');
    if (this.cmvn) m = utteranceCmvn(m);
    if (this.specAugment) m = this.specAugment.apply(m, context);
    return { values: m.data, steps: m.numFrames, width: m.numFeatures };
  }

  collate(encoded: EncodedSpeech[]): SpeechBatch {
    const b = encoded.length;
    const f = this.options.numMelBins;
    const t = Math.max(1, ...encoded.map((e) => e.steps));
    // Transposed on the way in: the model takes HF's channels-first [B, mels, frames].
    const data = new Float32Array(b * f * t);
    encoded.forEach((e, i) => {
      const base = i * f * t;
      for (let s = 0; s < e.steps; s++) {
        for (let j = 0; j < f; j++) data[base + j * t + s] = e.values[s * f + j]!;
      }
    });
    const mask = maskOf(
      encoded.map((e) => e.steps),
      t,
    );
    const targets = collateTargets(encoded.map((e) => e.target));
    return {
      inputs: [tf.tensor3d(data, [b, f, t]), { attentionMask: tf.tensor2d(mask, [b, t], 'int32') }],
      ...(targets ? { targets } : {}),
      size: b,
    };
  }

  /** `num_mel_bins` for an architecture built fresh (ignored when a base checkpoint is loaded). */
  modelConfig(): Readonly<Record<string, unknown>> {
    return { num_mel_bins: this.options.numMelBins };
  }
}

/**
 * `speech/log-mel`: audio files to log-mel or Kaldi fbank features for the log-mel encoders
 * (`whisper`, `speech/conv-transformer`), with optional augmentation, and class or CTC targets.
 *
 * @example
 * // run config
 * { preprocess: { id: 'speech/log-mel', options: { features: 'fbank', numMelBins: 40,
 *   specAugment: { numTimeMasks: 2, timeMaskParam: 20 } } } }
 */
export const logMelPreprocessor: Preprocessor<AudioExample, EncodedSpeech, SpeechBatch, LogMelOptions> = {
  id: 'speech/log-mel',
  description:
    'decode + resample audio, Kaldi fbank or Whisper log-mel, CMVN, SpecAugment; [B, mels, frames] + frame mask',
  optionsSchema: logMelOptions,
  create: (options, { labels }) => new LogMelPreprocessor(options, labels),
};

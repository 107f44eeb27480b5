import { type Preprocessor, z } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { AudioExample } from '../data/audio-example.js';
import { normalizeWaveform } from '../features/wav2vec2-normalize.js';
import { speechDecodeShape } from './decode-options.js';
import { collateTargets, type EncodedSpeech, maskOf, type SpeechBatch } from './speech-batch.js';
import { SpeechPreprocessorBase } from './speech-preprocessor.js';

export const waveformOptions = z.strictObject({
  ...speechDecodeShape,
  /** Zero-mean unit-variance per utterance (HF `do_normalize`; true for wav2vec2/HuBERT). */
  doNormalize: z.boolean().default(true),
  /**
   * Pass the sample-level attention mask to the model (HF `return_attention_mask`). Checkpoints
   * trained without one (wav2vec2-base) expect zero padding and no mask.
   */
  returnAttentionMask: z.boolean().default(true),
});

export type WaveformOptions = z.output<typeof waveformOptions>;

/**
 * The `speech/waveform` preprocessor instance: decode -> waveform augmentation (training) ->
 * wav2vec2 normalisation; collate zero-pads to the longest clip and hands the model `[B, samples]`
 * with an int32 sample mask (when `returnAttentionMask`).
 */
export class WaveformPreprocessor extends SpeechPreprocessorBase<WaveformOptions> {
  protected valuesOf(samples: Float32Array) {
    if (samples.length === 0) throw new Error('speech/waveform: the clip has no samples');
    const values = this.options.doNormalize ? normalizeWaveform(samples) : samples;
    return { values, steps: values.length, width: 1 };
  }

  collate(encoded: EncodedSpeech[]): SpeechBatch {
    const b = encoded.length;
    const t = Math.max(1, ...encoded.map((e) => e.steps));
    const data = new Float32Array(b * t);
    encoded.forEach((e, i) => {
      data.set(e.values, i * t);
    });
    const targets = collateTargets(encoded.map((e) => e.target));
    const waveforms = tf.tensor2d(data, [b, t]);
    const inputs = this.options.returnAttentionMask
      ? [
          waveforms,
          {
            attentionMask: tf.tensor2d(
              maskOf(
                encoded.map((e) => e.steps),
                t,
              ),
              [b, t],
              'int32',
            ),
          },
        ]
      : [waveforms];
    return { inputs, ...(targets ? { targets } : {}), size: b };
  }
}

/**
 * `speech/waveform`: audio files to normalised raw waveforms for `wav2vec2` / `hubert` bases,
 * with optional augmentation, and class or CTC targets.
 *
 * @example
 * { preprocess: { id: 'speech/waveform', options: { returnAttentionMask: false } } }
 */
export const waveformPreprocessor: Preprocessor<AudioExample, EncodedSpeech, SpeechBatch, WaveformOptions> = {
  id: 'speech/waveform',
  description: 'decode + resample audio, wav2vec2 normalisation; [B, samples] + sample mask',
  optionsSchema: waveformOptions,
  create: (options, { labels }) => new WaveformPreprocessor(options, labels),
};

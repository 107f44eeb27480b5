import { z } from 'zod';
import { decodeAudio } from '../audio/decode-audio.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_SECONDS } from '../audio/limits.js';
import { RESAMPLE_PRESETS, type ResampleQuality } from '../audio/resample.js';
import { waveformAugmentConfig } from '../features/augment/waveform-augment.js';
import { speechTargetSchema } from './speech-target.js';

/** Options every `speech/*` preprocessor shares: decoding, limits, augmentation, targets. */
export const speechDecodeShape = {
  /** Sample rate the audio is resampled to (the model's rate; 16 kHz for Whisper and wav2vec2). */
  samplingRate: z.number().int().min(1000).max(768_000).default(16000),
  /**
   * Resampling filter: `fast` (16 taps per side, default: resampling runs for every example of
   * every epoch) or `best` (torchaudio's `kaiser_best`).
   */
  resample: z.enum(Object.keys(RESAMPLE_PRESETS) as [ResampleQuality, ...ResampleQuality[]]).default('fast'),
  /** Longest clip decoded, in seconds; longer files are an error naming them. */
  maxSeconds: z.number().positive().default(DEFAULT_MAX_SECONDS),
  /** Largest file read, in bytes. */
  maxBytes: z.number().int().positive().default(DEFAULT_MAX_BYTES),
  /** Waveform augmentation in training (speed perturbation, noise); off when absent. */
  augment: waveformAugmentConfig.optional(),
  /** What the batch targets are (see `SpeechTarget`). */
  target: speechTargetSchema,
} as const;

const speechDecodeOptions = z.object(speechDecodeShape);

export type SpeechDecodeOptions = Readonly<z.output<typeof speechDecodeOptions>>;

/**
 * Mono samples of `file` (a path, or a file's bytes named `name` in messages) at the options'
 * rate, with their limits.
 */
export async function decodeForModel(
  file: string | Uint8Array,
  o: SpeechDecodeOptions,
  name?: string,
): Promise<Float32Array> {
  const decoded = await decodeAudio(file, {
    targetRate: o.samplingRate,
    maxSeconds: o.maxSeconds,
    maxBytes: o.maxBytes,
    resample: o.resample,
    ...(name !== undefined ? { name } : {}),
  });
  return decoded.samples;
}

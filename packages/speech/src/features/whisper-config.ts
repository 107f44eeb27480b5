import { z } from 'zod';

const evenInt = z
  .number()
  .int()
  .min(2)
  .refine((n) => n % 2 === 0, 'must be even');

/**
 * Options of the Whisper log-mel extractor, named after the fields of Hugging Face's
 * `WhisperFeatureExtractor` (`feature_size` -> `featureSize`, ...); defaults are Whisper's.
 */
export const whisperFeatureConfig = z.strictObject({
  /** Mel bins: 80 (Whisper tiny..large-v2) or 128 (large-v3). HF `feature_size`. */
  featureSize: z.number().int().min(1).default(80),
  samplingRate: z.number().int().positive().default(16000),
  /** FFT and window length in samples (periodic Hann window). */
  nFft: evenInt.default(400),
  hopLength: z.number().int().positive().default(160),
  /** Seconds per input chunk; `padToChunk` pads or trims the waveform to this length. */
  chunkLength: z.number().positive().default(30),
  /** Value of the samples added by `padToChunk`. */
  paddingValue: z.number().default(0),
  /** Standard deviation of Gaussian noise added to the (padded) waveform; 0 = off. Needs an `rng`. */
  dither: z.number().min(0).default(0),
  /**
   * Pad (right, with `paddingValue`) or trim the waveform to `chunkLength` seconds before the
   * STFT, giving `chunkLength * samplingRate / hopLength` frames (3000): what HF does by default
   * and what Whisper's encoder expects.
   */
  padToChunk: z.boolean().default(true),
});

export type WhisperFeatureConfig = z.output<typeof whisperFeatureConfig>;
export type WhisperFeatureInput = z.input<typeof whisperFeatureConfig>;

/** Samples in one chunk (HF `n_samples`). */
export function whisperChunkSamples(c: WhisperFeatureConfig): number {
  return Math.round(c.chunkLength * c.samplingRate);
}

/** Frames of one padded chunk (HF `nb_max_frames`). */
export function whisperChunkFrames(c: WhisperFeatureConfig): number {
  return Math.floor(whisperChunkSamples(c) / c.hopLength);
}

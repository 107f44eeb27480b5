import { z } from 'zod';
import { KALDI_WINDOW_TYPES } from './windows.js';

/**
 * Framing, windowing and filter-bank options shared by Kaldi fbank and MFCC: the parameters of
 * `torchaudio.compliance.kaldi.fbank` in camelCase, with its defaults (VTLN is not supported).
 */
const kaldiFrameFields = {
  /** Hz (torchaudio `sample_frequency`). */
  sampleFrequency: z.number().positive().default(16000),
  /** Frame length in milliseconds. */
  frameLength: z.number().positive().default(25),
  /** Frame shift in milliseconds. */
  frameShift: z.number().positive().default(10),
  /** Standard deviation of Gaussian noise added to every frame; 0 = off. Needs an `rng`. */
  dither: z.number().min(0).default(0),
  preemphasisCoefficient: z.number().min(0).max(1).default(0.97),
  /** Subtract each frame's mean before everything else. */
  removeDcOffset: z.boolean().default(true),
  windowType: z.enum(KALDI_WINDOW_TYPES).default('povey'),
  blackmanCoeff: z.number().default(0.42),
  /** Zero-pad each frame to the next power of two before the FFT. */
  roundToPowerOfTwo: z.boolean().default(true),
  /** Only frames that fit entirely in the signal; otherwise Kaldi's mirrored edges. */
  snipEdges: z.boolean().default(true),
  /** Triangular mel filters (more than 3). */
  numMelBins: z.number().int().min(4).default(23),
  /** Low edge of the first filter, Hz. */
  lowFreq: z.number().min(0).default(20),
  /** High edge of the last filter, Hz; `<= 0` is an offset from Nyquist (0 = Nyquist). */
  highFreq: z.number().default(0),
  /** Log frame energy: before pre-emphasis and windowing (true) or after (false). */
  rawEnergy: z.boolean().default(true),
  /** Floor on the frame energy (absolute, not log); 0 = none. */
  energyFloor: z.number().min(0).default(1),
  /** Put the energy last instead of first (HTK's order). */
  htkCompat: z.boolean().default(false),
  /** Subtract the utterance mean of each output column. */
  subtractMean: z.boolean().default(false),
  /** Seconds; shorter waveforms give no frames. */
  minDuration: z.number().min(0).default(0),
} as const;

/** Kaldi filter-bank options (`torchaudio.compliance.kaldi.fbank`). */
export const kaldiFbankConfig = z.strictObject({
  ...kaldiFrameFields,
  /** Add the log frame energy as an extra column. */
  useEnergy: z.boolean().default(false),
  /** Log of the mel energies (floored at float32 epsilon). */
  useLogFbank: z.boolean().default(true),
  /** Power spectrum (true) or magnitude spectrum (false). */
  usePower: z.boolean().default(true),
});

/** Kaldi MFCC options (`torchaudio.compliance.kaldi.mfcc`). */
export const kaldiMfccConfig = z
  .strictObject({
    ...kaldiFrameFields,
    /** Cepstra kept, c0 included. */
    numCeps: z.number().int().min(1).default(13),
    /** Cepstral liftering coefficient Q (`1 + Q/2 sin(pi k / Q)`); 0 = none. */
    cepstralLifter: z.number().min(0).default(22),
    /** Replace c0 with the log frame energy. */
    useEnergy: z.boolean().default(false),
  })
  .refine((c) => c.numCeps <= c.numMelBins, {
    message: 'num_ceps cannot exceed num_mel_bins',
    path: ['numCeps'],
  });

export type KaldiFbankConfig = z.output<typeof kaldiFbankConfig>;
export type KaldiFbankInput = z.input<typeof kaldiFbankConfig>;
export type KaldiMfccConfig = z.output<typeof kaldiMfccConfig>;
export type KaldiMfccInput = z.input<typeof kaldiMfccConfig>;

/** The options both extractors share (`kaldiFrameFields`). */
export type KaldiFrameConfig = Omit<KaldiFbankConfig, 'useEnergy' | 'useLogFbank' | 'usePower'>;

import { z } from 'zod';
import { parseConfig } from '../parse-config.js';
import { addNoise } from './add-noise.js';
import type { AugmentContext } from './augment-context.js';
import { speedPerturb } from './speed-perturb.js';

/** Training-time waveform augmentation; everything is off by default. */
export const waveformAugmentConfig = z
  .strictObject({
    /** Speed factors drawn uniformly per utterance (e.g. `[0.9, 1.0, 1.1]`); empty = off. */
    speedFactors: z.array(z.number().min(0.5).max(2)).default([]),
    /** Probability of adding noise to an utterance. */
    noiseProbability: z.number().min(0).max(1).default(0),
    /** `[min, max]` SNR in dB, drawn uniformly per noisy utterance. */
    snrDb: z.tuple([z.number(), z.number()]).default([10, 30]),
    samplingRate: z.number().int().positive().default(16000),
  })
  .refine((c) => c.snrDb[0] <= c.snrDb[1], { message: 'min must not exceed max', path: ['snrDb'] });

export type WaveformAugmentConfig = z.output<typeof waveformAugmentConfig>;
export type WaveformAugmentInput = z.input<typeof waveformAugmentConfig>;

/**
 * Speed perturbation then additive noise, drawn from `context.rng` while `context.training`; in
 * evaluation the input itself is returned. Noise comes from the recordings given to `apply`, else
 * those given to the constructor (one picked uniformly), or is white when there are none.
 *
 * @example
 * const augment = new WaveformAugment({ speedFactors: [0.9, 1, 1.1], noiseProbability: 0.5, snrDb: [5, 20] });
 * const noisy = augment.apply(waveform, context);
 */
export class WaveformAugment {
  readonly config: WaveformAugmentConfig;

  constructor(
    config: WaveformAugmentInput = {},
    private readonly noises: readonly Float32Array[] = [],
  ) {
    this.config = Object.freeze(parseConfig(waveformAugmentConfig, config, 'waveform augment options'));
    const empty = noises.findIndex((n) => n.length === 0);
    if (empty >= 0) throw new Error(`WaveformAugment: noise recording ${empty} is empty`);
  }

  apply(
    waveform: Float32Array,
    context: AugmentContext,
    noises: readonly Float32Array[] = this.noises,
  ): Float32Array {
    if (!context.training) return waveform;
    const { speedFactors, noiseProbability, snrDb, samplingRate } = this.config;
    const rng = context.rng;
    let out = waveform;
    if (speedFactors.length > 0) {
      const factor = speedFactors[rng.int(speedFactors.length)]!;
      if (factor !== 1) out = speedPerturb(out, factor, samplingRate);
    }
    if (noiseProbability > 0 && rng.next() < noiseProbability) {
      const snr = rng.uniform(snrDb[0], snrDb[1]);
      const noise = noises.length === 0 ? 'white' : noises[rng.int(noises.length)]!;
      out = addNoise(out, snr, noise, rng);
    }
    return out;
  }
}

import { z } from 'zod';
import { type FeatureMatrix, featureMatrix } from '../feature-matrix.js';
import { parseConfig } from '../parse-config.js';
import type { AugmentContext } from './augment-context.js';

const count = z.number().int().min(0);

/**
 * SpecAugment masking (Park et al. 2019) of a `[frames, features]` matrix; the defaults are the
 * paper's LibriSpeech "LD" policy without time warping. Each mask's width is uniform in
 * `[0, param]`, its start uniform over the positions where it fits; masks may overlap.
 */
export const specAugmentConfig = z.strictObject({
  numFreqMasks: count.default(2),
  /** F: largest frequency-mask width, in feature bins. */
  freqMaskParam: count.default(27),
  numTimeMasks: count.default(2),
  /** T: largest time-mask width, in frames. */
  timeMaskParam: count.default(100),
  /** p: a time mask covers at most this fraction of the utterance's frames. */
  timeMaskMaxProportion: z.number().min(0).max(1).default(1),
  /** Value written into masked cells: a number, or `'mean'` (the utterance's mean value). */
  maskValue: z.union([z.number(), z.literal('mean')]).default(0),
});

export type SpecAugmentConfig = z.output<typeof specAugmentConfig>;
export type SpecAugmentInput = z.input<typeof specAugmentConfig>;

/**
 * Applies SpecAugment masks drawn from `context.rng` while `context.training`; in evaluation the
 * input itself is returned. The input is never modified.
 *
 * @example
 * const augment = new SpecAugment({ numTimeMasks: 2, timeMaskParam: 40 });
 * const masked = augment.apply(features, { training: true, rng });
 */
export class SpecAugment {
  readonly config: SpecAugmentConfig;

  constructor(config: SpecAugmentInput = {}) {
    this.config = Object.freeze(parseConfig(specAugmentConfig, config, 'spec-augment options'));
  }

  apply(features: FeatureMatrix, context: AugmentContext): FeatureMatrix {
    if (!context.training) return features;
    const c = this.config;
    const { numFrames: t, numFeatures: f } = features;
    const data = Float32Array.from(features.data);
    const value = c.maskValue === 'mean' ? mean(features.data) : c.maskValue;
    const rng = context.rng;
    for (let m = 0; m < c.numFreqMasks; m++) {
      const [start, width] = drawMask(rng, f, c.freqMaskParam);
      for (let i = 0; i < t; i++) data.fill(value, i * f + start, i * f + start + width);
    }
    const maxTime = Math.min(c.timeMaskParam, Math.floor(c.timeMaskMaxProportion * t));
    for (let m = 0; m < c.numTimeMasks; m++) {
      const [start, width] = drawMask(rng, t, maxTime);
      data.fill(value, start * f, (start + width) * f);
    }
    return featureMatrix(data, t, f);
  }
}

/** `[start, width]`: width uniform in [0, min(param, size)], start uniform where it fits. */
function drawMask(rng: AugmentContext['rng'], size: number, param: number): [number, number] {
  const width = rng.int(Math.min(param, size) + 1);
  return [rng.int(size - width + 1), width];
}

function mean(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v;
  return x.length === 0 ? 0 : s / x.length;
}

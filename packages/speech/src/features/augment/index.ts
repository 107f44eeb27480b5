/** Training-time augmentation of waveforms (speed, noise) and features (SpecAugment). */
export { addNoise } from './add-noise.js';
export type { AugmentContext } from './augment-context.js';
export { SincResampler, type SincResamplerOptions } from './sinc-resampler.js';
export {
  SpecAugment,
  type SpecAugmentConfig,
  type SpecAugmentInput,
  specAugmentConfig,
} from './spec-augment.js';
export { speedPerturb } from './speed-perturb.js';
export {
  WaveformAugment,
  type WaveformAugmentConfig,
  type WaveformAugmentInput,
  waveformAugmentConfig,
} from './waveform-augment.js';

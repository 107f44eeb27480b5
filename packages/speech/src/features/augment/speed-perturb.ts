import { SincResampler } from './sinc-resampler.js';

const resamplers = new Map<string, SincResampler>();

/**
 * Speed perturbation (Ko et al. 2015; Kaldi/ESPnet `speed` and torchaudio `SpeedPerturbation`):
 * the waveform is resampled as if recorded at `samplingRate * factor` Hz, so it plays `factor`
 * times faster with pitch scaled by `factor`; the result has `ceil(length / factor)` samples.
 * `round(samplingRate * factor)` and `samplingRate` must reduce to a small ratio (0.9 -> 9:10).
 */
export function speedPerturb(waveform: Float32Array, factor: number, samplingRate = 16000): Float32Array {
  if (!(factor > 0) || !Number.isFinite(factor))
    throw new Error(`speedPerturb: factor must be > 0, got ${factor}`);
  const from = Math.round(samplingRate * factor);
  if (from === samplingRate) return Float32Array.from(waveform);
  const key = `${from}/${samplingRate}`;
  let resampler = resamplers.get(key);
  if (resampler === undefined) {
    resampler = new SincResampler(from, samplingRate);
    resamplers.set(key, resampler);
  }
  return resampler.resample(waveform);
}

import type { Rng } from '@peftkit/core';
import { type FeatureMatrix, featureMatrix } from './feature-matrix.js';
import { type KaldiFbankConfig, type KaldiFbankInput, kaldiFbankConfig } from './kaldi-config.js';
import { KALDI_EPSILON, KaldiFrontend, subtractColumnMeans } from './kaldi-frontend.js';
import { parseConfig } from './parse-config.js';

/** What `extract` needs besides the waveform. */
export interface KaldiExtractOptions {
  /** Generator for `dither`; required when `dither > 0`. */
  readonly rng?: Rng | undefined;
}

/**
 * Kaldi filter-bank features, as `torchaudio.compliance.kaldi.fbank` (and Kaldi's
 * `compute-fbank-feats`) compute them: 25 ms povey-windowed frames every 10 ms, pre-emphasis 0.97,
 * 23 mel bins on Kaldi's mel scale, log energies. Output `[frames, numMelBins (+1 with useEnergy)]`.
 * Kaldi works on int16-scaled samples; scale a [-1, 1] waveform by 32768 first to match Kaldi's values.
 *
 * @example
 * const fbank = new KaldiFbank({ numMelBins: 80 });
 * const features = fbank.extract(waveform16k);
 */
export class KaldiFbank {
  readonly config: KaldiFbankConfig;
  private readonly frontend: KaldiFrontend;

  constructor(config: KaldiFbankInput = {}) {
    this.config = Object.freeze(parseConfig(kaldiFbankConfig, config, 'kaldi fbank options'));
    this.frontend = new KaldiFrontend(this.config, this.config.usePower);
  }

  /** Columns of each frame: the mel bins, plus one for the energy with `useEnergy`. */
  get numFeatures(): number {
    return this.config.numMelBins + (this.config.useEnergy ? 1 : 0);
  }

  extract(waveform: Float32Array, options: KaldiExtractOptions = {}): FeatureMatrix {
    const c = this.config;
    const cols = this.numFeatures;
    const bins = c.numMelBins;
    const data = new Float64Array(this.frontend.numFrames(waveform.length) * cols);
    // Energy goes first, or last with htkCompat.
    const melAt = c.useEnergy && !c.htkCompat ? 1 : 0;
    const energyAt = c.htkCompat ? bins : 0;
    const frames = this.frontend.run(waveform, options.rng, (t, mel, logEnergy) => {
      const row = t * cols;
      for (let m = 0; m < bins; m++) {
        data[row + melAt + m] = c.useLogFbank ? Math.log(Math.max(mel[m]!, KALDI_EPSILON)) : mel[m]!;
      }
      if (c.useEnergy) data[row + energyAt] = logEnergy;
    });
    if (c.subtractMean) subtractColumnMeans(data, frames, cols);
    return featureMatrix(Float32Array.from(data), frames, cols);
  }
}

/** One-off `new KaldiFbank(config).extract(waveform)`; keep an instance when extracting many. */
export function kaldiFbank(
  waveform: Float32Array,
  config: KaldiFbankInput = {},
  options: KaldiExtractOptions = {},
): FeatureMatrix {
  return new KaldiFbank(config).extract(waveform, options);
}

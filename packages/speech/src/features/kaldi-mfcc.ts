import { type FeatureMatrix, featureMatrix } from './feature-matrix.js';
import { type KaldiMfccConfig, type KaldiMfccInput, kaldiMfccConfig } from './kaldi-config.js';
import type { KaldiExtractOptions } from './kaldi-fbank.js';
import { KALDI_EPSILON, KaldiFrontend, subtractColumnMeans } from './kaldi-frontend.js';
import { parseConfig } from './parse-config.js';

/**
 * `[numMelBins][numCeps]` orthonormal DCT-II (`torchaudio.functional.create_dct(norm="ortho")`),
 * whose first column is `sqrt(1 / numMelBins)` as Kaldi's.
 */
export function dctMatrix(numMelBins: number, numCeps: number): Float64Array {
  const out = new Float64Array(numMelBins * numCeps);
  for (let m = 0; m < numMelBins; m++) {
    for (let k = 0; k < numCeps; k++) {
      out[m * numCeps + k] =
        k === 0
          ? Math.sqrt(1 / numMelBins)
          : Math.sqrt(2 / numMelBins) * Math.cos((Math.PI / numMelBins) * (m + 0.5) * k);
    }
  }
  return out;
}

/** Kaldi's liftering weights `1 + Q/2 sin(pi k / Q)` (all 1 for Q = 0). */
export function lifterWeights(numCeps: number, q: number): Float64Array {
  return Float64Array.from({ length: numCeps }, (_, k) =>
    q === 0 ? 1 : 1 + 0.5 * q * Math.sin((Math.PI * k) / q),
  );
}

/**
 * Kaldi MFCCs, as `torchaudio.compliance.kaldi.mfcc` (Kaldi's `compute-mfcc-feats` with its
 * frame options): log mel energies (23 bins) through an orthonormal DCT-II, 13 cepstra, lifter 22.
 * With torchaudio's defaults c0 is the DCT's zeroth coefficient; `useEnergy` replaces it with the
 * log frame energy (Kaldi's command-line default). `htkCompat` moves c0/energy last. Output
 * `[frames, numCeps]`.
 */
export class KaldiMfcc {
  readonly config: KaldiMfccConfig;
  private readonly frontend: KaldiFrontend;
  private readonly dct: Float64Array;
  private readonly lifter: Float64Array;

  constructor(config: KaldiMfccInput = {}) {
    this.config = Object.freeze(parseConfig(kaldiMfccConfig, config, 'kaldi mfcc options'));
    this.frontend = new KaldiFrontend(this.config, true);
    this.dct = dctMatrix(this.config.numMelBins, this.config.numCeps);
    this.lifter = lifterWeights(this.config.numCeps, this.config.cepstralLifter);
  }

  extract(waveform: Float32Array, options: KaldiExtractOptions = {}): FeatureMatrix {
    const c = this.config;
    const ceps = c.numCeps;
    const bins = c.numMelBins;
    const data = new Float64Array(this.frontend.numFrames(waveform.length) * ceps);
    const logMel = new Float64Array(bins);
    const row = new Float64Array(ceps);
    const frames = this.frontend.run(waveform, options.rng, (t, mel, logEnergy) => {
      for (let m = 0; m < bins; m++) logMel[m] = Math.log(Math.max(mel[m]!, KALDI_EPSILON));
      row.fill(0);
      for (let m = 0; m < bins; m++) {
        const v = logMel[m]!;
        for (let k = 0; k < ceps; k++) row[k]! += v * this.dct[m * ceps + k]!;
      }
      for (let k = 0; k < ceps; k++) row[k]! *= this.lifter[k]!;
      if (c.useEnergy) row[0] = logEnergy;
      // HTK order: c1..c(n-1) then c0 (without the DCT's sqrt(1/2) when c0 is a cepstrum) or energy.
      const first = c.htkCompat ? 1 : 0;
      for (let k = first; k < ceps; k++) data[t * ceps + k - first] = row[k]!;
      if (c.htkCompat) data[t * ceps + ceps - 1] = c.useEnergy ? row[0]! : row[0]! * Math.SQRT2;
    });
    if (c.subtractMean) subtractColumnMeans(data, frames, ceps);
    return featureMatrix(Float32Array.from(data), frames, ceps);
  }
}

/** One-off `new KaldiMfcc(config).extract(waveform)`; keep an instance when extracting many. */
export function kaldiMfcc(
  waveform: Float32Array,
  config: KaldiMfccInput = {},
  options: KaldiExtractOptions = {},
): FeatureMatrix {
  return new KaldiMfcc(config).extract(waveform, options);
}

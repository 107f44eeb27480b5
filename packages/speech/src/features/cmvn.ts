import { type FeatureMatrix, featureMatrix } from './feature-matrix.js';

/** Options of `utteranceCmvn` (HF `Speech2TextFeatureExtractor` names). */
export interface CmvnOptions {
  /** Subtract each feature's mean over the utterance (default true). */
  readonly normalizeMeans?: boolean;
  /** Divide by each feature's standard deviation, variance floored at 1e-10 (default true). */
  readonly normalizeVars?: boolean;
}

/**
 * Per-utterance cepstral mean and variance normalisation of a `[frames, features]` matrix (HF
 * `Speech2TextFeatureExtractor.utterance_cmvn`; Kaldi's `apply-cmvn` with per-utterance stats).
 * Statistics over all frames, in float64; the input is not modified.
 */
export function utteranceCmvn(m: FeatureMatrix, options: CmvnOptions = {}): FeatureMatrix {
  const { normalizeMeans = true, normalizeVars = true } = options;
  const { numFrames: t, numFeatures: f, data } = m;
  const out = new Float32Array(data.length);
  if (t === 0) return featureMatrix(out, t, f);
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < f; j++) {
      const v = data[i * f + j]!;
      mean[j]! += v;
      sq[j]! += v * v;
    }
  }
  const shift = new Float64Array(f);
  const scale = new Float64Array(f).fill(1);
  for (let j = 0; j < f; j++) {
    mean[j]! /= t;
    if (normalizeMeans) shift[j] = mean[j]!;
    if (normalizeVars) scale[j] = 1 / Math.sqrt(Math.max(sq[j]! / t - mean[j]! ** 2, 1e-10));
  }
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < f; j++) out[i * f + j] = (data[i * f + j]! - shift[j]!) * scale[j]!;
  }
  return featureMatrix(out, t, f);
}

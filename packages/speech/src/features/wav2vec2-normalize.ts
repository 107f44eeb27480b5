import { parseConfig } from './parse-config.js';
import { type Wav2Vec2FeatureInput, wav2vec2FeatureConfig } from './wav2vec2-config.js';

/**
 * Zero-mean unit-variance normalisation of one utterance, `(x - mean) / sqrt(var + eps)` with the
 * population variance, as HF `Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm` (eps 1e-7) applies
 * it over an utterance's own samples (never its padding). Statistics in float64.
 */
export function normalizeWaveform(waveform: Float32Array, eps = 1e-7): Float32Array {
  const n = waveform.length;
  if (n === 0) return new Float32Array(0);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += waveform[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (waveform[i]! - mean) ** 2;
  variance /= n;
  const scale = 1 / Math.sqrt(variance + eps);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (waveform[i]! - mean) * scale;
  return out;
}

/**
 * The wav2vec2 model input for one utterance: the waveform, normalised when `doNormalize` (HF's
 * `Wav2Vec2FeatureExtractor` per utterance; pad batches afterwards with `padWaveforms`).
 */
export function wav2vec2Input(waveform: Float32Array, config: Wav2Vec2FeatureInput = {}): Float32Array {
  const c = parseConfig(wav2vec2FeatureConfig, config, 'wav2vec2 feature options');
  return c.doNormalize ? normalizeWaveform(waveform) : Float32Array.from(waveform);
}

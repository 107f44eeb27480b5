import type { Rng } from '@peftkit/core';

function meanSquare(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return x.length === 0 ? 0 : s / x.length;
}

/**
 * Adds noise scaled so that `10 log10(P_signal / P_noise) = snrDb`, with powers as mean squares
 * over the utterance. `noise` is `'white'` (Gaussian from `rng`) or a recording: a random segment
 * of it, looped from a random offset when shorter than the waveform. A silent waveform is returned
 * unchanged (no finite noise level gives the SNR). Statistics in float64.
 */
export function addNoise(
  waveform: Float32Array,
  snrDb: number,
  noise: Float32Array | 'white',
  rng: Rng,
): Float32Array {
  if (!Number.isFinite(snrDb)) throw new Error(`addNoise: snrDb must be finite, got ${snrDb}`);
  const n = waveform.length;
  const segment = new Float64Array(n);
  if (noise === 'white') {
    for (let i = 0; i < n; i++) segment[i] = rng.normal();
  } else {
    if (noise.length === 0) throw new Error('addNoise: the noise recording is empty');
    const offset = rng.int(noise.length);
    for (let i = 0; i < n; i++) segment[i] = noise[(offset + i) % noise.length]!;
  }
  const signalPower = meanSquare(waveform);
  if (signalPower === 0) return Float32Array.from(waveform);
  const noisePower = meanSquare(segment);
  if (noisePower === 0) throw new Error('addNoise: the noise segment is silent; no gain reaches the SNR');
  const gain = Math.sqrt(signalPower / (noisePower * 10 ** (snrDb / 10)));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = waveform[i]! + gain * segment[i]!;
  return out;
}

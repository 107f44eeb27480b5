/**
 * Whisper's sinusoidal position table `[length, channels]`: sines in the first half of the
 * channels, cosines in the second, timescales spaced geometrically from 1 to `maxTimescale`
 * (HF `sinusoids()` in modeling_whisper, used to initialise `embed_positions`). Arguments are
 * rounded to float32 as PyTorch computes them, so a fresh table matches HF's to float precision
 * even at position 1500.
 */
export function sinusoids(length: number, channels: number, maxTimescale = 10000): Float32Array {
  if (channels % 2 !== 0) throw new Error(`sinusoids: channels must be even, got ${channels}`);
  const half = channels / 2;
  const increment = Math.fround(Math.log(maxTimescale) / Math.max(half - 1, 1));
  const inv = Array.from({ length: half }, (_, i) => Math.fround(Math.exp(Math.fround(-increment * i))));
  const out = new Float32Array(length * channels);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const x = Math.fround(t * (inv[i] as number));
      out[t * channels + i] = Math.sin(x);
      out[t * channels + half + i] = Math.cos(x);
    }
  }
  return out;
}

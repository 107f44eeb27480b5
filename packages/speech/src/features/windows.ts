/** Analysis windows, in float64, with the exact definitions of torch / torchaudio's Kaldi code. */

/** Window shapes of Kaldi's `--window-type`. */
export const KALDI_WINDOW_TYPES = ['povey', 'hanning', 'hamming', 'rectangular', 'blackman'] as const;
export type KaldiWindowType = (typeof KALDI_WINDOW_TYPES)[number];

/**
 * Hann window of length `n`: periodic (`torch.hann_window(n)`, what Whisper and `torch.stft` use)
 * or symmetric (`periodic=False`, what Kaldi uses).
 */
export function hannWindow(n: number, periodic: boolean): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = 1;
    return out;
  }
  const denom = periodic ? n : n - 1;
  for (let i = 0; i < n; i++) out[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / denom);
  return out;
}

/** Kaldi's window of `type` and length `n` (symmetric; `blackmanCoeff` only for `blackman`). */
export function kaldiWindow(type: KaldiWindowType, n: number, blackmanCoeff = 0.42): Float64Array {
  switch (type) {
    case 'hanning':
      return hannWindow(n, false);
    case 'povey':
      // A Hann window raised to 0.85: like Hann but not quite zero at the edges' neighbours.
      return hannWindow(n, false).map((v) => v ** 0.85);
    case 'hamming': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (n - 1));
      return n === 1 ? out.fill(1) : out;
    }
    case 'rectangular':
      return new Float64Array(n).fill(1);
    case 'blackman': {
      const a = (2 * Math.PI) / (n - 1);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = blackmanCoeff - 0.5 * Math.cos(a * i) + (0.5 - blackmanCoeff) * Math.cos(2 * a * i);
      }
      return out;
    }
  }
}

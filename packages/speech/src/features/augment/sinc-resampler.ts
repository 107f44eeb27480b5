/**
 * Band-limited resampling between integer rates with a Hann-windowed sinc, the method and defaults
 * of `torchaudio.functional.resample` (lowpass_filter_width 6, rolloff 0.99), so results match it.
 * Used here for speed perturbation; the filter is a polyphase bank of `newRate / gcd` phases.
 */

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Upper bound on filter-bank size (phases x taps): rates must reduce to a small ratio. */
const MAX_FILTER_SIZE = 1 << 22;

/** Options of `SincResampler`. */
export interface SincResamplerOptions {
  /** Zero crossings of the sinc on each side (sharper filter when larger). */
  readonly lowpassFilterWidth?: number;
  /** Cut-off as a fraction of the lower rate's Nyquist frequency. */
  readonly rolloff?: number;
}

/** Resamples waveforms from `fromRate` to `toRate` (integers). Reusable across waveforms. */
export class SincResampler {
  /** Input samples per output block, after reducing the rates by their gcd. */
  readonly stride: number;
  /** Output samples per block (number of filter phases). */
  readonly phases: number;
  /** Zero padding before the signal (the filter's half-width in input samples). */
  readonly width: number;
  private readonly taps: number;
  private readonly kernel: Float64Array;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    options: SincResamplerOptions = {},
  ) {
    if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
      throw new Error(`SincResampler: rates must be positive integers, got ${fromRate} -> ${toRate}`);
    }
    const lw = options.lowpassFilterWidth ?? 6;
    const rolloff = options.rolloff ?? 0.99;
    const g = gcd(fromRate, toRate);
    const o = fromRate / g;
    const n = toRate / g;
    const base = Math.min(o, n) * rolloff;
    this.stride = o;
    this.phases = n;
    this.width = Math.ceil((lw * o) / base);
    this.taps = 2 * this.width + o;
    if (n * this.taps > MAX_FILTER_SIZE) {
      throw new Error(
        `SincResampler: ${fromRate} -> ${toRate} Hz reduces to ${o}:${n}, which needs a ${n}x${this.taps} filter; use rates with a larger common divisor`,
      );
    }
    this.kernel = new Float64Array(n * this.taps);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < this.taps; i++) {
        // Distance, in units of the cut-off period, between output sample j and input sample i - width.
        let t = (-j / n + (i - this.width) / o) * base;
        t = Math.min(lw, Math.max(-lw, t));
        const window = Math.cos((t * Math.PI) / lw / 2) ** 2;
        const x = t * Math.PI;
        const sinc = x === 0 ? 1 : Math.sin(x) / x;
        this.kernel[j * this.taps + i] = sinc * window * (base / o);
      }
    }
  }

  /** Output length for `inputLength` samples: `ceil(inputLength * toRate / fromRate)`. */
  outputLength(inputLength: number): number {
    return Math.ceil((this.phases * inputLength) / this.stride);
  }

  resample(input: Float32Array): Float32Array {
    if (this.stride === this.phases) return Float32Array.from(input);
    const len = input.length;
    const out = new Float32Array(this.outputLength(len));
    const { taps, phases, stride, width, kernel } = this;
    for (let y = 0; y < out.length; y++) {
      const block = Math.floor(y / phases);
      const j = y - block * phases;
      // Padded input index block*stride + i is original index block*stride + i - width.
      const first = block * stride - width;
      const lo = Math.max(0, -first);
      const hi = Math.min(taps, len - first);
      let acc = 0;
      const k = j * taps;
      for (let i = lo; i < hi; i++) acc += input[first + i]! * kernel[k + i]!;
      out[y] = acc;
    }
    return out;
  }
}

/**
 * Band-limited resampling by windowed-sinc interpolation with a Kaiser window, computed as a
 * polyphase filter: the same kernel as torchaudio's `functional.resample` with
 * `resampling_method='sinc_interp_kaiser'` (libsoxr/resampy-style presets below), so results
 * match it to float rounding (see resample.test.ts and the committed fixture).
 */

/** Filter design: zero crossings per side, cutoff as a fraction of the lower Nyquist, Kaiser beta. */
export interface ResampleFilter {
  /** Zero crossings of the sinc on each side (torchaudio `lowpass_filter_width`). */
  readonly lowpassFilterWidth: number;
  /** Cutoff as a fraction of the lower of the two Nyquist frequencies, in (0, 1]. */
  readonly rolloff: number;
  /** Kaiser window shape; larger trades a wider transition band for a deeper stopband. */
  readonly beta: number;
}

/**
 * `best` is torchaudio's / resampy's `kaiser_best`; `fast` is `kaiser_fast` (4x fewer taps, the
 * passband ends at 85% of Nyquist instead of 95%).
 */
export const RESAMPLE_PRESETS = {
  best: { lowpassFilterWidth: 64, rolloff: 0.9475937167399596, beta: 14.769656459379492 },
  fast: { lowpassFilterWidth: 16, rolloff: 0.85, beta: 8.555043867138966 },
} as const satisfies Record<string, ResampleFilter>;

export type ResampleQuality = keyof typeof RESAMPLE_PRESETS;

/** A polyphase kernel: `phases` filters of `taps` coefficients, each starting at its own offset. */
interface PolyphaseKernel {
  /** Input step per block of output (reduced source rate). */
  readonly step: number;
  /** Outputs per block (reduced target rate). */
  readonly phases: number;
  readonly taps: number;
  /** `phases x taps` coefficients. */
  readonly weights: Float64Array;
  /** Input offset (relative to `block * step`) of each phase's first coefficient. */
  readonly first: Int32Array;
}

/** Kernels are large to build and reused for every file at the same pair of rates. */
const cache = new Map<string, PolyphaseKernel>();
const CACHE_SIZE = 8;
/** Refuse rate pairs whose kernel would exceed this many coefficients (64 MB as float64). */
const MAX_COEFFICIENTS = 8_000_000;

/**
 * Resamples mono samples from `fromRate` to `toRate` (positive integers, Hz). The output has
 * `ceil(n * toRate / fromRate)` samples; equal rates return the input unchanged.
 *
 * @example
 * const at16k = resample(samples44k, 44_100, 16_000); // kaiser_best
 * const quick = resample(samples48k, 48_000, 16_000, 'fast');
 */
export function resample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  filter: ResampleQuality | ResampleFilter = 'best',
): Float32Array {
  for (const [what, rate] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
  ] as const) {
    if (!Number.isInteger(rate) || rate <= 0)
      throw new Error(`resample: ${what} must be a positive integer, got ${rate}`);
  }
  if (fromRate === toRate) return samples;
  const design = typeof filter === 'string' ? RESAMPLE_PRESETS[filter] : filter;
  const k = kernelFor(fromRate, toRate, design);
  const n = samples.length;
  const out = new Float32Array(Math.ceil((n * k.phases) / k.step));
  const { weights, first, taps, phases, step } = k;
  let j = 0;
  for (let block = 0; j < out.length; block++) {
    const origin = block * step;
    for (let p = 0; p < phases && j < out.length; p++, j++) {
      const start = origin + (first[p] as number);
      // Only the coefficients over real samples: the signal is zero outside [0, n).
      const lo = Math.max(0, -start);
      const hi = Math.min(taps, n - start);
      out[j] = dot(weights, p * taps + lo, samples, start + lo, hi - lo);
    }
  }
  return out;
}

/** Sum of `n` products; four accumulators let the JIT overlap the multiply-adds (~2x). */
function dot(w: Float64Array, wi: number, x: Float32Array, xi: number, n: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    a0 += (w[wi + k] as number) * (x[xi + k] as number);
    a1 += (w[wi + k + 1] as number) * (x[xi + k + 1] as number);
    a2 += (w[wi + k + 2] as number) * (x[xi + k + 2] as number);
    a3 += (w[wi + k + 3] as number) * (x[xi + k + 3] as number);
  }
  for (; k < n; k++) a0 += (w[wi + k] as number) * (x[xi + k] as number);
  return a0 + a1 + a2 + a3;
}

function kernelFor(fromRate: number, toRate: number, f: ResampleFilter): PolyphaseKernel {
  const key = `${fromRate}:${toRate}:${f.lowpassFilterWidth}:${f.rolloff}:${f.beta}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const built = buildKernel(fromRate, toRate, f);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, built);
  return built;
}

function buildKernel(fromRate: number, toRate: number, f: ResampleFilter): PolyphaseKernel {
  const { lowpassFilterWidth: zeros, rolloff, beta } = f;
  if (!(zeros > 0 && rolloff > 0 && rolloff <= 1 && beta >= 0)) {
    throw new Error(`resample: invalid filter ${JSON.stringify(f)}`);
  }
  const g = gcd(fromRate, toRate);
  const step = fromRate / g;
  const phases = toRate / g;
  // Cutoff in units of the reduced rates: below the lower Nyquist, so downsampling cannot alias.
  const cutoff = Math.min(step, phases) * rolloff;
  const scale = cutoff / step;
  // Output p of a block sits at input position p * step / phases; the filter spans `reach`
  // input samples on either side of it.
  const reach = (zeros * step) / cutoff;
  const firsts = new Int32Array(phases);
  let taps = 0;
  for (let p = 0; p < phases; p++) {
    const centre = (p * step) / phases;
    const lo = Math.floor(centre - reach) + 1;
    const hi = Math.ceil(centre + reach) - 1;
    firsts[p] = lo;
    taps = Math.max(taps, hi - lo + 1);
  }
  if (taps * phases > MAX_COEFFICIENTS) {
    throw new Error(
      `resample: ${fromRate} Hz -> ${toRate} Hz needs a ${phases}-phase filter of ${taps} taps; ` +
        'resample through a rate with a larger common divisor',
    );
  }
  const weights = new Float64Array(phases * taps);
  const i0Beta = besselI0(beta);
  for (let p = 0; p < phases; p++) {
    const centre = (p * step) / phases;
    for (let t = 0; t < taps; t++) {
      // Distance from the output position in zero crossings of the low-pass sinc.
      const x = (((firsts[p] as number) + t - centre) * cutoff) / step;
      if (Math.abs(x) >= zeros) continue;
      const window = besselI0(beta * Math.sqrt(1 - (x / zeros) ** 2)) / i0Beta;
      const px = Math.PI * x;
      weights[p * taps + t] = (px === 0 ? 1 : Math.sin(px) / px) * window * scale;
    }
  }
  return { step, phases, taps, weights, first: firsts };
}

/** Modified Bessel function of the first kind, order 0 (power series; converges for any x). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

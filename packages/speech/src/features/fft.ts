/**
 * Host FFTs in float64 for feature extraction. Features are preprocessing (never trained through),
 * and a mixed-radix FFT on the host beats a DFT-as-matMul in tfjs for the sizes speech uses
 * (400, 512): see `scripts/bench-features.ts` for the measurement.
 */

/** One pass of the self-sorting (Stockham) decimation-in-frequency FFT. */
interface Stage {
  readonly radix: number;
  /** Length of each sub-sequence after this pass (`n / radix` of the pass's input sequences). */
  readonly m: number;
  /** Twiddles `w_{m*radix}^{p*k}` for p in [0, m), k in [1, radix): index `p * (radix - 1) + k - 1`. */
  readonly twRe: Float64Array;
  readonly twIm: Float64Array;
}

function factorize(n: number): number[] {
  const factors: number[] = [];
  let rest = n;
  for (const r of [4, 2, 3, 5]) {
    while (rest % r === 0) {
      factors.push(r);
      rest /= r;
    }
  }
  for (let r = 7; rest > 1; r += 2) {
    while (rest % r === 0) {
      factors.push(r);
      rest /= r;
    }
  }
  return factors;
}

/**
 * Forward complex FFT of a fixed length (`X[k] = sum x[j] e^{-2 pi i jk/n}`), any length (radix
 * 2/4/5 butterflies, generic O(p^2) ones for other prime factors). Reuses its scratch buffers, so one
 * instance must not be shared by concurrent callers.
 */
export class ComplexFft {
  private readonly stages: Stage[] = [];
  private readonly workRe: Float64Array;
  private readonly workIm: Float64Array;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`ComplexFft: n must be a positive integer, got ${n}`);
    this.workRe = new Float64Array(n);
    this.workIm = new Float64Array(n);
    let len = n;
    for (const radix of factorize(n)) {
      const m = len / radix;
      const twRe = new Float64Array(m * (radix - 1));
      const twIm = new Float64Array(m * (radix - 1));
      for (let p = 0; p < m; p++) {
        for (let k = 1; k < radix; k++) {
          const angle = (-2 * Math.PI * p * k) / len;
          twRe[p * (radix - 1) + k - 1] = Math.cos(angle);
          twIm[p * (radix - 1) + k - 1] = Math.sin(angle);
        }
      }
      this.stages.push({ radix, m, twRe, twIm });
      len = m;
    }
  }

  /** Transforms `re`/`im` (length n) in place. */
  transform(re: Float64Array, im: Float64Array): void {
    let xr = re;
    let xi = im;
    let yr = this.workRe;
    let yi = this.workIm;
    let s = 1;
    for (const stage of this.stages) {
      if (stage.radix === 4) radix4(stage, s, xr, xi, yr, yi);
      else if (stage.radix === 2) radix2(stage, s, xr, xi, yr, yi);
      else if (stage.radix === 5) radix5(stage, s, xr, xi, yr, yi);
      else radixGeneric(stage, s, xr, xi, yr, yi);
      s *= stage.radix;
      const tr = xr;
      const ti = xi;
      xr = yr;
      xi = yi;
      yr = tr;
      yi = ti;
    }
    if (xr !== re) {
      re.set(xr);
      im.set(xi);
    }
  }
}

function radix2(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { m, twRe, twIm } = st;
  for (let p = 0; p < m; p++) {
    const wr = twRe[p]!;
    const wi = twIm[p]!;
    for (let q = 0; q < s; q++) {
      const a = q + s * p;
      const b = a + s * m;
      const ar = xr[a]!;
      const ai = xi[a]!;
      const br = xr[b]!;
      const bi = xi[b]!;
      const out = q + s * 2 * p;
      yr[out] = ar + br;
      yi[out] = ai + bi;
      const dr = ar - br;
      const di = ai - bi;
      yr[out + s] = dr * wr - di * wi;
      yi[out + s] = dr * wi + di * wr;
    }
  }
}

function radix4(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { m, twRe, twIm } = st;
  const sm = s * m;
  for (let p = 0; p < m; p++) {
    const w1r = twRe[3 * p]!;
    const w1i = twIm[3 * p]!;
    const w2r = twRe[3 * p + 1]!;
    const w2i = twIm[3 * p + 1]!;
    const w3r = twRe[3 * p + 2]!;
    const w3i = twIm[3 * p + 2]!;
    for (let q = 0; q < s; q++) {
      const i0 = q + s * p;
      const a0r = xr[i0]!;
      const a0i = xi[i0]!;
      const a1r = xr[i0 + sm]!;
      const a1i = xi[i0 + sm]!;
      const a2r = xr[i0 + 2 * sm]!;
      const a2i = xi[i0 + 2 * sm]!;
      const a3r = xr[i0 + 3 * sm]!;
      const a3i = xi[i0 + 3 * sm]!;
      const t0r = a0r + a2r;
      const t0i = a0i + a2i;
      const t1r = a0r - a2r;
      const t1i = a0i - a2i;
      const t2r = a1r + a3r;
      const t2i = a1i + a3i;
      const t3r = a1r - a3r;
      const t3i = a1i - a3i;
      // b1 = t1 - i*t3, b3 = t1 + i*t3 (forward transform: w_4 = -i).
      const b1r = t1r + t3i;
      const b1i = t1i - t3r;
      const b2r = t0r - t2r;
      const b2i = t0i - t2i;
      const b3r = t1r - t3i;
      const b3i = t1i + t3r;
      const out = q + s * 4 * p;
      yr[out] = t0r + t2r;
      yi[out] = t0i + t2i;
      yr[out + s] = b1r * w1r - b1i * w1i;
      yi[out + s] = b1r * w1i + b1i * w1r;
      yr[out + 2 * s] = b2r * w2r - b2i * w2i;
      yi[out + 2 * s] = b2r * w2i + b2i * w2r;
      yr[out + 3 * s] = b3r * w3r - b3i * w3i;
      yi[out + 3 * s] = b3r * w3i + b3i * w3r;
    }
  }
}

const C1 = Math.cos((2 * Math.PI) / 5);
const C2 = Math.cos((4 * Math.PI) / 5);
const S1 = Math.sin((2 * Math.PI) / 5);
const S2 = Math.sin((4 * Math.PI) / 5);

function radix5(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { m, twRe, twIm } = st;
  const sm = s * m;
  for (let p = 0; p < m; p++) {
    const tw = 4 * p;
    for (let q = 0; q < s; q++) {
      const i0 = q + s * p;
      const a0r = xr[i0]!;
      const a0i = xi[i0]!;
      const a1r = xr[i0 + sm]!;
      const a1i = xi[i0 + sm]!;
      const a2r = xr[i0 + 2 * sm]!;
      const a2i = xi[i0 + 2 * sm]!;
      const a3r = xr[i0 + 3 * sm]!;
      const a3i = xi[i0 + 3 * sm]!;
      const a4r = xr[i0 + 4 * sm]!;
      const a4i = xi[i0 + 4 * sm]!;
      const t1r = a1r + a4r;
      const t1i = a1i + a4i;
      const t2r = a2r + a3r;
      const t2i = a2i + a3i;
      const t3r = a1r - a4r;
      const t3i = a1i - a4i;
      const t4r = a2r - a3r;
      const t4i = a2i - a3i;
      const m1r = a0r + C1 * t1r + C2 * t2r;
      const m1i = a0i + C1 * t1i + C2 * t2i;
      const m2r = a0r + C2 * t1r + C1 * t2r;
      const m2i = a0i + C2 * t1i + C1 * t2i;
      const n1r = S1 * t3r + S2 * t4r;
      const n1i = S1 * t3i + S2 * t4i;
      const n2r = S2 * t3r - S1 * t4r;
      const n2i = S2 * t3i - S1 * t4i;
      // b1 = m1 - i n1, b4 = m1 + i n1, b2 = m2 - i n2, b3 = m2 + i n2, each times its twiddle.
      const out = q + s * 5 * p;
      yr[out] = a0r + t1r + t2r;
      yi[out] = a0i + t1i + t2i;
      twiddle(yr, yi, out + s, m1r + n1i, m1i - n1r, twRe[tw]!, twIm[tw]!);
      twiddle(yr, yi, out + 2 * s, m2r + n2i, m2i - n2r, twRe[tw + 1]!, twIm[tw + 1]!);
      twiddle(yr, yi, out + 3 * s, m2r - n2i, m2i + n2r, twRe[tw + 2]!, twIm[tw + 2]!);
      twiddle(yr, yi, out + 4 * s, m1r - n1i, m1i + n1r, twRe[tw + 3]!, twIm[tw + 3]!);
    }
  }
}

/** `y[at] = b * w` (complex). */
function twiddle(
  yr: Float64Array,
  yi: Float64Array,
  at: number,
  br: number,
  bi: number,
  wr: number,
  wi: number,
): void {
  yr[at] = br * wr - bi * wi;
  yi[at] = br * wi + bi * wr;
}

function radixGeneric(
  st: Stage,
  s: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { radix: r, m, twRe, twIm } = st;
  const cos = new Float64Array(r);
  const sin = new Float64Array(r);
  for (let j = 0; j < r; j++) {
    cos[j] = Math.cos((-2 * Math.PI * j) / r);
    sin[j] = Math.sin((-2 * Math.PI * j) / r);
  }
  for (let p = 0; p < m; p++) {
    for (let q = 0; q < s; q++) {
      const base = q + s * p;
      const out = q + s * r * p;
      for (let k = 0; k < r; k++) {
        let sr = 0;
        let si = 0;
        for (let j = 0; j < r; j++) {
          const idx = base + s * m * j;
          const w = (j * k) % r;
          const ar = xr[idx]!;
          const ai = xi[idx]!;
          sr += ar * cos[w]! - ai * sin[w]!;
          si += ar * sin[w]! + ai * cos[w]!;
        }
        if (k === 0) {
          yr[out] = sr;
          yi[out] = si;
        } else {
          const wr = twRe[p * (r - 1) + k - 1]!;
          const wi = twIm[p * (r - 1) + k - 1]!;
          yr[out + s * k] = sr * wr - si * wi;
          yi[out + s * k] = sr * wi + si * wr;
        }
      }
    }
  }
}

/**
 * Power spectrum `|X[k]|^2`, k in [0, n/2], of a real frame of even length n, through one complex
 * FFT of length n/2 (even samples as real parts, odd ones as imaginary parts).
 */
export class RealPowerSpectrum {
  private readonly half: ComplexFft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** Number of output bins, `n / 2 + 1`. */
  readonly bins: number;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) {
      throw new Error(`RealPowerSpectrum: n must be an even integer >= 2, got ${n}`);
    }
    const h = n / 2;
    this.half = new ComplexFft(h);
    this.re = new Float64Array(h);
    this.im = new Float64Array(h);
    this.bins = h + 1;
    this.cos = new Float64Array(h + 1);
    this.sin = new Float64Array(h + 1);
    for (let k = 0; k <= h; k++) {
      this.cos[k] = Math.cos((-2 * Math.PI * k) / n);
      this.sin[k] = Math.sin((-2 * Math.PI * k) / n);
    }
  }

  /** Writes `bins` powers of `frame` (length n, not modified) into `out`. */
  compute(frame: Float64Array, out: Float64Array): void {
    const h = this.n / 2;
    const { re, im } = this;
    for (let j = 0; j < h; j++) {
      re[j] = frame[2 * j]!;
      im[j] = frame[2 * j + 1]!;
    }
    this.half.transform(re, im);
    for (let k = 0; k <= h; k++) {
      const a = k === h ? 0 : k;
      const b = k === 0 ? 0 : h - k;
      const zr = re[a]!;
      const zi = im[a]!;
      const cr = re[b]!;
      const ci = -im[b]!;
      // Even part E = (Z[k] + conj Z[h-k]) / 2, odd part O = (Z[k] - conj Z[h-k]) / (2i).
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const or = 0.5 * (zi - ci);
      const oi = -0.5 * (zr - cr);
      const wr = this.cos[k]!;
      const wi = this.sin[k]!;
      const xr = er + or * wr - oi * wi;
      const xi = ei + or * wi + oi * wr;
      out[k] = xr * xr + xi * xi;
    }
  }
}

/**
 * Triangular mel filter banks, stored sparsely: each filter is non-zero on a short run of FFT bins,
 * so applying one costs about two multiply-adds per bin instead of `numFilters` per bin.
 */

/** A bank of `numFilters` filters over `numBins` FFT bins. */
export class MelFilterBank {
  /** First non-zero bin of each filter. */
  private readonly start: Int32Array;
  /** Weights of each filter from its `start`, concatenated; `offset[f]` indexes filter f's run. */
  private readonly weights: Float64Array;
  private readonly offset: Int32Array;

  /** `dense[f * numBins + k]`: weight of bin k in filter f. */
  constructor(
    readonly numFilters: number,
    readonly numBins: number,
    dense: Float64Array,
  ) {
    if (dense.length !== numFilters * numBins) {
      throw new Error(`MelFilterBank: expected ${numFilters}x${numBins} weights, got ${dense.length}`);
    }
    this.start = new Int32Array(numFilters);
    this.offset = new Int32Array(numFilters + 1);
    const runs: Float64Array[] = [];
    for (let f = 0; f < numFilters; f++) {
      const row = dense.subarray(f * numBins, (f + 1) * numBins);
      let lo = 0;
      while (lo < numBins && row[lo] === 0) lo++;
      let hi = numBins;
      while (hi > lo && row[hi - 1] === 0) hi--;
      this.start[f] = lo;
      runs.push(row.slice(lo, hi));
      this.offset[f + 1] = this.offset[f]! + (hi - lo);
    }
    this.weights = new Float64Array(this.offset[numFilters]!);
    runs.forEach((run, f) => {
      this.weights.set(run, this.offset[f]!);
    });
  }

  /** `out[f] = sum_k weight[f][k] * spectrum[k]`. */
  apply(spectrum: Float64Array, out: Float64Array): void {
    for (let f = 0; f < this.numFilters; f++) {
      const lo = this.start[f]!;
      const from = this.offset[f]!;
      const to = this.offset[f + 1]!;
      let acc = 0;
      for (let i = from; i < to; i++) acc += this.weights[i]! * spectrum[lo + i - from]!;
      out[f] = acc;
    }
  }

  /** The dense `[numFilters][numBins]` matrix, row-major. */
  toDense(): Float64Array {
    const dense = new Float64Array(this.numFilters * this.numBins);
    for (let f = 0; f < this.numFilters; f++) {
      const from = this.offset[f]!;
      dense.set(this.weights.subarray(from, this.offset[f + 1]!), f * this.numBins + this.start[f]!);
    }
    return dense;
  }
}

const SLANEY_F_SP = 200 / 3;
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP;
const SLANEY_LOG_STEP = Math.log(6.4) / 27;

/** Hz to mel on Slaney's scale (linear below 1 kHz, logarithmic above), as librosa's default. */
export function hzToSlaneyMel(hz: number): number {
  return hz < SLANEY_MIN_LOG_HZ
    ? hz / SLANEY_F_SP
    : SLANEY_MIN_LOG_MEL + Math.log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOG_STEP;
}

/** Inverse of `hzToSlaneyMel`. */
export function slaneyMelToHz(mel: number): number {
  return mel < SLANEY_MIN_LOG_MEL
    ? mel * SLANEY_F_SP
    : SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOG_STEP * (mel - SLANEY_MIN_LOG_MEL));
}

/** Options of `slaneyMelFilterBank`. */
export interface SlaneyMelOptions {
  /** FFT bins, `n_fft / 2 + 1`. */
  numBins: number;
  numFilters: number;
  samplingRate: number;
  minHz: number;
  maxHz: number;
}

/**
 * Slaney-scale filters with Slaney (area) normalisation: librosa's `filters.mel` default, HF's
 * `mel_filter_bank(norm="slaney", mel_scale="slaney")` and torchaudio's
 * `melscale_fbanks(norm="slaney", mel_scale="slaney")`. Bin k sits at `k * (sr // 2) / (numBins - 1)` Hz.
 */
export function slaneyMelFilterBank(o: SlaneyMelOptions): MelFilterBank {
  const { numBins, numFilters } = o;
  const nyquist = Math.floor(o.samplingRate / 2);
  const melMin = hzToSlaneyMel(o.minHz);
  const melMax = hzToSlaneyMel(o.maxHz);
  const edges = new Float64Array(numFilters + 2);
  for (let i = 0; i < numFilters + 2; i++) {
    edges[i] = slaneyMelToHz(melMin + ((melMax - melMin) * i) / (numFilters + 1));
  }
  const dense = new Float64Array(numFilters * numBins);
  for (let f = 0; f < numFilters; f++) {
    const lo = edges[f]!;
    const mid = edges[f + 1]!;
    const hi = edges[f + 2]!;
    const norm = 2 / (hi - lo);
    for (let k = 0; k < numBins; k++) {
      const hz = numBins === 1 ? 0 : (nyquist * k) / (numBins - 1);
      const up = (hz - lo) / (mid - lo);
      const down = (hi - hz) / (hi - mid);
      dense[f * numBins + k] = Math.max(0, Math.min(up, down)) * norm;
    }
  }
  return new MelFilterBank(numFilters, numBins, dense);
}

/** Kaldi / HTK mel scale: `1127 ln(1 + hz / 700)`. */
export function hzToKaldiMel(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

/** Options of `kaldiMelFilterBank`. */
export interface KaldiMelOptions {
  numFilters: number;
  /** Padded window length (the FFT size). */
  fftSize: number;
  samplingRate: number;
  lowFreq: number;
  /** Upper edge in Hz; `<= 0` means that far below Nyquist (Kaldi's convention). */
  highFreq: number;
}

/**
 * Kaldi's filters (`torchaudio.compliance.kaldi.get_mel_banks` without VTLN): equally spaced on
 * the Kaldi mel scale, peak 1, no area normalisation, over bins `[0, fftSize / 2]` (the Nyquist bin
 * gets weight 0, as in Kaldi).
 */
export function kaldiMelFilterBank(o: KaldiMelOptions): MelFilterBank {
  const nyquist = 0.5 * o.samplingRate;
  const highFreq = o.highFreq <= 0 ? o.highFreq + nyquist : o.highFreq;
  if (
    !(o.lowFreq >= 0 && o.lowFreq < nyquist && highFreq > 0 && highFreq <= nyquist && o.lowFreq < highFreq)
  ) {
    throw new Error(
      `kaldi mel banks: need 0 <= low_freq < high_freq <= Nyquist (${nyquist} Hz), got low_freq ${o.lowFreq}, high_freq ${o.highFreq}`,
    );
  }
  const half = o.fftSize / 2;
  const numBins = half + 1;
  const binWidth = o.samplingRate / o.fftSize;
  const melLow = hzToKaldiMel(o.lowFreq);
  const melHigh = hzToKaldiMel(highFreq);
  const delta = (melHigh - melLow) / (o.numFilters + 1);
  const dense = new Float64Array(o.numFilters * numBins);
  for (let f = 0; f < o.numFilters; f++) {
    const left = melLow + f * delta;
    const center = left + delta;
    const right = center + delta;
    for (let k = 0; k < half; k++) {
      const mel = hzToKaldiMel(binWidth * k);
      const up = (mel - left) / (center - left);
      const down = (right - mel) / (right - center);
      dense[f * numBins + k] = Math.max(0, Math.min(up, down));
    }
  }
  return new MelFilterBank(o.numFilters, numBins, dense);
}

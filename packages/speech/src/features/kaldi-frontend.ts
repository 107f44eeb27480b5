import type { Rng } from '@peftkit/core';
import { RealPowerSpectrum } from './fft.js';
import type { KaldiFrameConfig } from './kaldi-config.js';
import { kaldiMelFilterBank, type MelFilterBank } from './mel-filter-bank.js';
import { kaldiWindow } from './windows.js';

/** `std::numeric_limits<float>::epsilon()`: Kaldi's floor for logs of energies. */
export const KALDI_EPSILON = 1.1920928955078125e-7;

/** Receives one frame's mel energies (power or magnitude, not logged) and log energy. */
export type KaldiFrameSink = (frame: number, mel: Float64Array, logEnergy: number) => void;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Sample `j` of `x` extended by Kaldi's mirror (edge sample repeated): ... x1 x0 | x0 x1 ... */
function mirrorSample(x: Float32Array, j: number): number {
  const n = x.length;
  const period = 2 * n;
  let k = j % period;
  if (k < 0) k += period;
  return x[k < n ? k : period - 1 - k]!;
}

/**
 * The part of Kaldi's fbank/MFCC pipeline up to the mel filters (torchaudio.compliance.kaldi's
 * `_get_window` + rfft + `get_mel_banks`), in float64: framing, dither, DC removal, log energy,
 * pre-emphasis, window, zero padding, power (or magnitude) spectrum, mel energies.
 */
export class KaldiFrontend {
  readonly windowSize: number;
  readonly windowShift: number;
  readonly paddedSize: number;
  readonly melBank: MelFilterBank;
  private readonly window: Float64Array;
  private readonly spectrum: RealPowerSpectrum;

  constructor(
    readonly config: KaldiFrameConfig,
    private readonly usePower: boolean,
  ) {
    const c = config;
    this.windowShift = Math.trunc(c.sampleFrequency * c.frameShift * 0.001);
    this.windowSize = Math.trunc(c.sampleFrequency * c.frameLength * 0.001);
    this.paddedSize = c.roundToPowerOfTwo ? nextPowerOfTwo(this.windowSize) : this.windowSize;
    if (this.windowSize < 2)
      throw new Error(`kaldi: frame_length gives a window of ${this.windowSize} samples (< 2)`);
    if (this.windowShift < 1) throw new Error('kaldi: frame_shift gives a shift of 0 samples');
    if (this.paddedSize % 2 !== 0) {
      throw new Error(
        `kaldi: the window of ${this.windowSize} samples is odd; set round_to_power_of_two or change frame_length`,
      );
    }
    this.window = kaldiWindow(c.windowType, this.windowSize, c.blackmanCoeff);
    this.spectrum = new RealPowerSpectrum(this.paddedSize);
    this.melBank = kaldiMelFilterBank({
      numFilters: c.numMelBins,
      fftSize: this.paddedSize,
      samplingRate: c.sampleFrequency,
      lowFreq: c.lowFreq,
      highFreq: c.highFreq,
    });
  }

  /** Frames Kaldi makes from `numSamples` samples. */
  numFrames(numSamples: number): number {
    const c = this.config;
    if (numSamples < c.minDuration * c.sampleFrequency) return 0;
    if (c.snipEdges) {
      return numSamples < this.windowSize
        ? 0
        : 1 + Math.floor((numSamples - this.windowSize) / this.windowShift);
    }
    return numSamples === 0
      ? 0
      : Math.floor((numSamples + Math.floor(this.windowShift / 2)) / this.windowShift);
  }

  /** Runs every frame of `waveform` through the pipeline, handing mel energies to `sink`; returns the frame count. */
  run(waveform: Float32Array, rng: Rng | undefined, sink: KaldiFrameSink): number {
    const c = this.config;
    if (c.dither > 0 && rng === undefined) {
      throw new Error('kaldi: dither > 0 needs an rng (extract(waveform, { rng }))');
    }
    const frames = this.numFrames(waveform.length);
    const size = this.windowSize;
    const offset = c.snipEdges ? 0 : Math.floor(size / 2) - Math.floor(this.windowShift / 2);
    const frame = new Float64Array(this.paddedSize);
    const power = new Float64Array(this.spectrum.bins);
    const mel = new Float64Array(c.numMelBins);
    const logFloor = c.energyFloor > 0 ? Math.log(c.energyFloor) : Number.NEGATIVE_INFINITY;
    const logEnergyOf = (n: number) => {
      let e = 0;
      for (let j = 0; j < n; j++) e += frame[j]! * frame[j]!;
      return Math.max(Math.log(Math.max(e, KALDI_EPSILON)), logFloor);
    };
    for (let t = 0; t < frames; t++) {
      const start = t * this.windowShift - offset;
      const inside = start >= 0 && start + size <= waveform.length;
      for (let j = 0; j < size; j++)
        frame[j] = inside ? waveform[start + j]! : mirrorSample(waveform, start + j);
      if (c.dither > 0) for (let j = 0; j < size; j++) frame[j]! += c.dither * rng!.normal();
      if (c.removeDcOffset) {
        let mean = 0;
        for (let j = 0; j < size; j++) mean += frame[j]!;
        mean /= size;
        for (let j = 0; j < size; j++) frame[j]! -= mean;
      }
      let logEnergy = c.rawEnergy ? logEnergyOf(size) : 0;
      const k = c.preemphasisCoefficient;
      if (k !== 0) {
        for (let j = size - 1; j > 0; j--) frame[j]! -= k * frame[j - 1]!;
        frame[0]! -= k * frame[0]!;
      }
      for (let j = 0; j < size; j++) frame[j]! *= this.window[j]!;
      frame.fill(0, size);
      if (!c.rawEnergy) logEnergy = logEnergyOf(this.paddedSize);
      this.spectrum.compute(frame, power);
      if (!this.usePower) for (let b = 0; b < power.length; b++) power[b] = Math.sqrt(power[b]!);
      this.melBank.apply(power, mel);
      sink(t, mel, logEnergy);
    }
    return frames;
  }
}

/** Subtracts each column's mean over the frames, in place. */
export function subtractColumnMeans(data: Float64Array, frames: number, columns: number): void {
  if (frames === 0) return;
  for (let c = 0; c < columns; c++) {
    let mean = 0;
    for (let t = 0; t < frames; t++) mean += data[t * columns + c]!;
    mean /= frames;
    for (let t = 0; t < frames; t++) data[t * columns + c]! -= mean;
  }
}

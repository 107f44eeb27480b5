import type { Rng } from '@peftkit/core';
import { type FeatureMatrix, featureMatrix } from './feature-matrix.js';
import { RealPowerSpectrum } from './fft.js';
import { type MelFilterBank, slaneyMelFilterBank } from './mel-filter-bank.js';
import { parseConfig } from './parse-config.js';
import { reflectIndex } from './reflect.js';
import {
  type WhisperFeatureConfig,
  type WhisperFeatureInput,
  whisperChunkSamples,
  whisperFeatureConfig,
} from './whisper-config.js';
import { hannWindow } from './windows.js';

/** Whisper's filters stop at 8 kHz whatever the sampling rate (HF and openai-whisper hard-code it). */
const WHISPER_MAX_HZ = 8000;

/** Output of `WhisperLogMel.extract`. */
export interface WhisperFeatures {
  /** `[frames, featureSize]` log-mel values. */
  readonly features: FeatureMatrix;
  /**
   * Frames that overlap the real signal (HF's frame-level `attention_mask` sum:
   * `ceil(min(samples, nSamples) / hopLength)`); the rest come from padding.
   */
  readonly validFrames: number;
}

/** What `extract` needs besides the waveform. */
export interface WhisperExtractOptions {
  /** Generator for `dither`; required when `dither > 0`. */
  readonly rng?: Rng | undefined;
}

/**
 * Whisper's log-mel spectrogram (HF `WhisperFeatureExtractor`, openai-whisper
 * `log_mel_spectrogram`): centred STFT with reflect padding and a periodic Hann window, power
 * spectrum, the last frame dropped, Slaney mel filters (0-8 kHz), `log10(max(x, 1e-10))`, floored
 * at the utterance maximum minus 8, then `(x + 4) / 4`. Computed in float64 on the host.
 *
 * @example
 * const whisper = new WhisperLogMel({ featureSize: 80 });
 * const { features } = whisper.extract(waveform16k); // features.numFrames === 3000
 */
export class WhisperLogMel {
  readonly config: WhisperFeatureConfig;
  private readonly window: Float64Array;
  private readonly spectrum: RealPowerSpectrum;
  readonly melFilters: MelFilterBank;

  constructor(config: WhisperFeatureInput = {}) {
    this.config = Object.freeze(parseConfig(whisperFeatureConfig, config, 'whisper feature options'));
    const { nFft, featureSize, samplingRate } = this.config;
    this.window = hannWindow(nFft, true);
    this.spectrum = new RealPowerSpectrum(nFft);
    this.melFilters = slaneyMelFilterBank({
      numBins: nFft / 2 + 1,
      numFilters: featureSize,
      samplingRate,
      minHz: 0,
      maxHz: WHISPER_MAX_HZ,
    });
  }

  /** Log-mel features of one mono waveform at `samplingRate`. */
  extract(waveform: Float32Array, options: WhisperExtractOptions = {}): WhisperFeatures {
    const c = this.config;
    const signal = this.prepare(waveform, options.rng);
    const n = signal.length;
    const frames = Math.floor(n / c.hopLength); // torch.stft gives one more; Whisper drops it
    const validFrames = Math.min(frames, Math.ceil(Math.min(waveform.length, n) / c.hopLength));
    const numMel = c.featureSize;
    const out = new Float32Array(frames * numMel);
    const logMel = new Float64Array(frames * numMel);
    const frame = new Float64Array(c.nFft);
    const power = new Float64Array(this.spectrum.bins);
    const mel = new Float64Array(numMel);
    const half = c.nFft / 2;
    let max = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < frames; t++) {
      const start = t * c.hopLength - half;
      const inside = start >= 0 && start + c.nFft <= n;
      let silent = true;
      for (let j = 0; j < c.nFft; j++) {
        const v = inside ? signal[start + j]! : signal[reflectIndex(start + j, n)]!;
        frame[j] = v * this.window[j]!;
        if (v !== 0) silent = false;
      }
      // Most of a padded 30 s chunk is zeros, whose spectrum is exactly zero: skip the FFT.
      if (silent) power.fill(0);
      else this.spectrum.compute(frame, power);
      this.melFilters.apply(power, mel);
      for (let m = 0; m < numMel; m++) {
        const v = Math.log10(Math.max(mel[m]!, 1e-10));
        logMel[t * numMel + m] = v;
        if (v > max) max = v;
      }
    }
    const floor = max - 8;
    for (let i = 0; i < logMel.length; i++) out[i] = (Math.max(logMel[i]!, floor) + 4) / 4;
    return { features: featureMatrix(out, frames, numMel), validFrames };
  }

  /** The waveform as float64, padded/trimmed to one chunk and dithered as configured. */
  private prepare(waveform: Float32Array, rng: Rng | undefined): Float64Array {
    const c = this.config;
    const length = c.padToChunk ? whisperChunkSamples(c) : waveform.length;
    const signal = new Float64Array(length);
    const copied = Math.min(length, waveform.length);
    for (let i = 0; i < copied; i++) signal[i] = waveform[i]!;
    if (copied < length) signal.fill(c.paddingValue, copied);
    if (c.dither > 0) {
      if (rng === undefined)
        throw new Error('WhisperLogMel: dither > 0 needs an rng (extract(waveform, { rng }))');
      for (let i = 0; i < length; i++) signal[i]! += c.dither * rng.normal();
    }
    return signal;
  }
}

/** One-off `new WhisperLogMel(config).extract(waveform)`; keep an instance when extracting many. */
export function whisperLogMel(
  waveform: Float32Array,
  config: WhisperFeatureInput = {},
  options: WhisperExtractOptions = {},
): WhisperFeatures {
  return new WhisperLogMel(config).extract(waveform, options);
}

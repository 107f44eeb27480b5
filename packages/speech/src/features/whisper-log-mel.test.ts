import { Rng } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { decode, loadFixture, maxAbsError, type StoredArray } from './testing/fixtures.js';
import { makeSignal, type SignalSpec } from './testing/signals.js';
import { WhisperLogMel, whisperLogMel } from './whisper-log-mel.js';

interface WhisperCase {
  name: string;
  signal: SignalSpec;
  config: { featureSize: number; padToChunk: boolean };
  features: StoredArray;
  headFrames?: number;
  columnMean?: StoredArray;
  numFrames?: number;
}

const { cases } = loadFixture<{ cases: WhisperCase[] }>('whisper');
const TOLERANCE = 1e-4;

describe('WhisperLogMel against the numpy/torchaudio reference', () => {
  it.each(cases.filter((c) => c.headFrames === undefined).map((c) => [c.name, c]))('%s', (_name, c) => {
    const { features, validFrames } = whisperLogMel(makeSignal(c.signal), c.config);
    expect([features.numFrames, features.numFeatures]).toEqual(c.features.shape);
    expect(validFrames).toBe(features.numFrames);
    expect(maxAbsError(features.data, decode(c.features))).toBeLessThan(TOLERANCE);
  });

  it('pads a short utterance to the 30 s chunk as HF does (3000 frames)', () => {
    const c = cases.find((k) => k.name === 'chunk-80')!;
    const waveform = makeSignal(c.signal);
    const { features, validFrames } = whisperLogMel(waveform, c.config);
    expect(features.numFrames).toBe(3000);
    expect(validFrames).toBe(Math.ceil(waveform.length / 160));
    const head = features.data.subarray(0, c.headFrames! * 80);
    expect(maxAbsError(head, decode(c.features))).toBeLessThan(TOLERANCE);
    const mean = new Float64Array(80);
    for (let t = 0; t < 3000; t++) for (let m = 0; m < 80; m++) mean[m]! += features.data[t * 80 + m]! / 3000;
    expect(maxAbsError(mean, decode(c.columnMean!))).toBeLessThan(TOLERANCE);
  });
});

describe('WhisperLogMel', () => {
  it('trims a long utterance to one chunk', () => {
    const whisper = new WhisperLogMel({ chunkLength: 1 });
    const long = makeSignal({ kind: 'noise', n: 20000, seed: 2, amplitude: 0.1 });
    const { features, validFrames } = whisper.extract(long);
    expect(features.numFrames).toBe(100);
    expect(validFrames).toBe(100);
    // Trimming happens before the STFT: the result equals features of the first second.
    const first = whisper.extract(long.subarray(0, 16000));
    expect(Array.from(features.data)).toEqual(Array.from(first.features.data));
  });

  it('floors every value at the utterance maximum minus 8 (in log10 units, /4 after scaling)', () => {
    const { features } = whisperLogMel(makeSignal({ kind: 'tones', n: 8000, parts: [[1000, 0.5, 0]] }), {
      padToChunk: false,
    });
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (const v of features.data) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    expect(min).toBeCloseTo(max - 2, 5);
  });

  it('dithers reproducibly from the given rng and refuses dither without one', () => {
    const waveform = makeSignal({ kind: 'noise', n: 3200, seed: 5, amplitude: 0.01 });
    const whisper = new WhisperLogMel({ dither: 1e-3, padToChunk: false });
    const a = whisper.extract(waveform, { rng: new Rng(1) }).features.data;
    const b = whisper.extract(waveform, { rng: new Rng(1) }).features.data;
    const c = whisper.extract(waveform, { rng: new Rng(2) }).features.data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(maxAbsError(a, c)).toBeGreaterThan(1e-3);
    expect(() => whisper.extract(waveform)).toThrow(/needs an rng/);
  });

  it('gives no frames for an empty waveform without padding', () => {
    expect(whisperLogMel(new Float32Array(0), { padToChunk: false }).features.numFrames).toBe(0);
  });

  it('rejects an odd n_fft', () => {
    expect(() => new WhisperLogMel({ nFft: 401 })).toThrow(/even/);
  });
});

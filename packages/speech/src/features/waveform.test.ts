import { describe, expect, it } from 'vitest';
import { utteranceCmvn } from './cmvn.js';
import { featureMatrix } from './feature-matrix.js';
import { kaldiFbank } from './kaldi-fbank.js';
import { padFeatures, padWaveforms } from './pad-batch.js';
import { decode, loadFixture, maxAbsError, type StoredArray } from './testing/fixtures.js';
import { makeSignal, type SignalSpec } from './testing/signals.js';
import { normalizeWaveform, wav2vec2Input } from './wav2vec2-normalize.js';

interface WaveformFixture {
  normalize: { name: string; signal: SignalSpec; output: StoredArray }[];
  cmvn: {
    name: string;
    signal: SignalSpec;
    normalizeMeans: boolean;
    normalizeVars: boolean;
    output: StoredArray;
  }[];
}

const fixture = loadFixture<WaveformFixture>('waveform');

describe('normalizeWaveform (HF Wav2Vec2FeatureExtractor do_normalize)', () => {
  it.each(fixture.normalize.map((c) => [c.name, c]))('matches numpy: %s', (_name, c) => {
    expect(maxAbsError(normalizeWaveform(makeSignal(c.signal)), decode(c.output))).toBeLessThan(1e-5);
  });

  it('gives zero mean and unit variance on a loud signal, and stays finite on silence', () => {
    const out = normalizeWaveform(
      makeSignal({ kind: 'noise', n: 5000, seed: 1, amplitude: 0.7 }).map((v) => v + 0.3),
    );
    const mean = out.reduce((a, v) => a + v, 0) / out.length;
    const variance = out.reduce((a, v) => a + (v - mean) ** 2, 0) / out.length;
    expect(Math.abs(mean)).toBeLessThan(1e-6);
    expect(variance).toBeCloseTo(1, 4);
    expect(Array.from(normalizeWaveform(new Float32Array(10).fill(0.5)))).toEqual(new Array(10).fill(0));
    expect(normalizeWaveform(new Float32Array(0)).length).toBe(0);
  });

  it('wav2vec2Input normalises only with do_normalize', () => {
    const x = Float32Array.from([1, 2, 3]);
    expect(Array.from(wav2vec2Input(x, { doNormalize: false }))).toEqual([1, 2, 3]);
    expect(Array.from(wav2vec2Input(x))).toEqual(Array.from(normalizeWaveform(x)));
  });
});

describe('utteranceCmvn (HF Speech2TextFeatureExtractor.utterance_cmvn)', () => {
  it.each(fixture.cmvn.map((c) => [c.name, c]))('matches numpy on Kaldi fbank features: %s', (_name, c) => {
    const out = utteranceCmvn(kaldiFbank(makeSignal(c.signal)), c);
    expect(maxAbsError(out.data, decode(c.output))).toBeLessThan(1e-5);
  });

  it('floors the variance of a constant column instead of dividing by zero', () => {
    const out = utteranceCmvn(featureMatrix(Float32Array.from([1, 5, 1, 7, 1, 9]), 3, 2));
    expect(Array.from(out.data.filter((_, i) => i % 2 === 0))).toEqual([0, 0, 0]);
    expect(out.data[1]).toBeCloseTo(-Math.sqrt(1.5), 5);
  });
});

describe('padWaveforms / padFeatures', () => {
  it('right-pads with the padding value and masks the padding', () => {
    const batch = padWaveforms([Float32Array.from([1, 2, 3]), Float32Array.from([4])], {
      paddingValue: -1,
      multipleOf: 2,
    });
    expect(batch.shape).toEqual([2, 4]);
    expect(Array.from(batch.data)).toEqual([1, 2, 3, -1, 4, -1, -1, -1]);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 0, 1, 0, 0, 0]);
    expect(Array.from(batch.lengths)).toEqual([3, 1]);
  });

  it('pads feature matrices along time and refuses mixed feature sizes', () => {
    const a = featureMatrix(Float32Array.from([1, 2, 3, 4]), 2, 2);
    const b = featureMatrix(Float32Array.from([5, 6]), 1, 2);
    const batch = padFeatures([a, b], { minLength: 3 });
    expect(batch.shape).toEqual([2, 3, 2]);
    expect(Array.from(batch.data)).toEqual([1, 2, 3, 4, 0, 0, 5, 6, 0, 0, 0, 0]);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 0, 1, 0, 0]);
    expect(() => padFeatures([a, featureMatrix(new Float32Array(3), 1, 3)])).toThrow(
      /example 1 has 3 features/,
    );
  });
});

import { Rng, UserError } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { KaldiFbank, kaldiFbank } from './kaldi-fbank.js';
import { dctMatrix, KaldiMfcc, kaldiMfcc } from './kaldi-mfcc.js';
import { decode, loadFixture, maxAbsError, maxRelError, type StoredArray } from './testing/fixtures.js';
import { makeSignal, type SignalSpec } from './testing/signals.js';

interface KaldiCase {
  kind: 'fbank' | 'mfcc';
  name: string;
  signal: SignalSpec;
  options: Record<string, unknown>;
  features: StoredArray;
}

const { cases } = loadFixture<{ cases: KaldiCase[] }>('kaldi');
const camel = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );

// |ours - torchaudio| <= 1e-5 * max(1, |torchaudio|): values reach ~40 for int16-scale input.
const TOLERANCE = 1e-5;

describe('Kaldi fbank / MFCC against torchaudio.compliance.kaldi', () => {
  it.each(cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const options = camel(c.options);
    const waveform = makeSignal(c.signal);
    const features = c.kind === 'fbank' ? kaldiFbank(waveform, options) : kaldiMfcc(waveform, options);
    expect([features.numFrames, features.numFeatures]).toEqual(c.features.shape);
    expect(maxRelError(features.data, decode(c.features))).toBeLessThan(TOLERANCE);
  });
});

describe('KaldiFbank', () => {
  const waveform = makeSignal({ kind: 'noise', n: 4000, seed: 3, amplitude: 3000 });

  it('has 1 + (n - 400) / 160 frames with snip_edges, n / 160 (rounded) without', () => {
    expect(kaldiFbank(waveform).numFrames).toBe(1 + Math.floor((4000 - 400) / 160));
    expect(kaldiFbank(waveform, { snipEdges: false }).numFrames).toBe(Math.floor((4000 + 80) / 160));
    expect(kaldiFbank(waveform.subarray(0, 399)).numFrames).toBe(0);
    expect(kaldiFbank(waveform, { minDuration: 0.5 }).numFrames).toBe(0);
  });

  it('dithers from the rng: same seed, same features; another seed, small differences', () => {
    const fbank = new KaldiFbank({ dither: 1 });
    const a = fbank.extract(waveform, { rng: new Rng(3) });
    const b = fbank.extract(waveform, { rng: new Rng(3) });
    const c = fbank.extract(waveform, { rng: new Rng(4) });
    const plain = kaldiFbank(waveform);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const diff = maxAbsError(a.data, c.data);
    expect(diff).toBeGreaterThan(0);
    // Dither of 1 on int16-scale noise of amplitude 3000 barely moves the log energies.
    expect(maxAbsError(a.data, plain.data)).toBeLessThan(0.05);
    expect(() => fbank.extract(waveform)).toThrow(/needs an rng/);
  });

  it('dither lifts silent frames off the epsilon floor', () => {
    const silence = new Float32Array(1600);
    const floor = Math.log(1.1920928955078125e-7);
    expect(kaldiFbank(silence).data.every((v) => Math.abs(v - floor) < 1e-6)).toBe(true);
    const dithered = kaldiFbank(silence, { dither: 1 }, { rng: new Rng(0) });
    expect(dithered.data.every((v) => v > floor + 5)).toBe(true);
  });

  it('reports bad options as one UserError naming them', () => {
    expect(() => new KaldiFbank({ numMelBins: 2, windowType: 'kaiser' as 'povey' })).toThrow(UserError);
    expect(() => new KaldiFbank({ numMelBins: 2 })).toThrow(/numMelBins/);
    expect(() => new KaldiFbank({ frameLength: 25.0625, roundToPowerOfTwo: false })).toThrow(/odd/);
    expect(() => new KaldiMfcc({ numCeps: 30 })).toThrow(/num_ceps cannot exceed num_mel_bins/);
  });
});

describe('KaldiMfcc', () => {
  it('uses an orthonormal DCT-II', () => {
    const n = 23;
    const d = dctMatrix(n, n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let dot = 0;
        for (let m = 0; m < n; m++) dot += d[m * n + a]! * d[m * n + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
  });

  it('with useEnergy puts the log frame energy in c0 and leaves the other cepstra alone', () => {
    const waveform = makeSignal({ kind: 'noise', n: 3200, seed: 8, amplitude: 100 });
    const plain = kaldiMfcc(waveform);
    const energy = new KaldiMfcc({ useEnergy: true }).extract(waveform);
    const fbankEnergy = kaldiFbank(waveform, { useEnergy: true });
    for (let t = 0; t < plain.numFrames; t++) {
      expect(energy.data[t * 13]).toBeCloseTo(fbankEnergy.data[t * 24]!, 5);
      for (let k = 1; k < 13; k++) expect(energy.data[t * 13 + k]).toBe(plain.data[t * 13 + k]);
    }
  });
});

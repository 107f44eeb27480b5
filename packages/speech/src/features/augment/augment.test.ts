import { Rng, UserError } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { type FeatureMatrix, featureMatrix } from '../feature-matrix.js';
import { makeSignal } from '../testing/signals.js';
import { SpecAugment } from './spec-augment.js';
import { speedPerturb } from './speed-perturb.js';
import { WaveformAugment } from './waveform-augment.js';

const FRAMES = 300;
const BINS = 80;
/** Features that are never 0, so masked cells (value 0) are recognisable. */
const features = featureMatrix(
  Float32Array.from({ length: FRAMES * BINS }, (_, i) => 1 + (i % 7)),
  FRAMES,
  BINS,
);

function maskedRowsAndColumns(m: FeatureMatrix): { rows: number; cols: number; cells: number } {
  let cells = 0;
  const rowAll = new Array<boolean>(m.numFrames).fill(true);
  const colAll = new Array<boolean>(m.numFeatures).fill(true);
  for (let t = 0; t < m.numFrames; t++) {
    for (let f = 0; f < m.numFeatures; f++) {
      const masked = m.data[t * m.numFeatures + f] === 0;
      if (masked) cells++;
      else {
        rowAll[t] = false;
        colAll[f] = false;
      }
    }
  }
  return { rows: rowAll.filter(Boolean).length, cols: colAll.filter(Boolean).length, cells };
}

describe('SpecAugment', () => {
  it('masks whole rows and columns within the configured widths, and nothing else', () => {
    const augment = new SpecAugment({
      numFreqMasks: 2,
      freqMaskParam: 10,
      numTimeMasks: 2,
      timeMaskParam: 30,
    });
    for (let seed = 0; seed < 50; seed++) {
      const out = augment.apply(features, { training: true, rng: new Rng(seed) });
      const { rows, cols, cells } = maskedRowsAndColumns(out);
      expect(cols).toBeLessThanOrEqual(20);
      expect(rows).toBeLessThanOrEqual(60);
      // Every masked cell lies in a fully masked row or column.
      expect(cells).toBe(rows * BINS + cols * FRAMES - rows * cols);
      const changed = out.data.filter((v, i) => v !== 0 && v !== features.data[i]).length;
      expect(changed).toBe(0);
    }
  });

  it('masks the expected fraction on average (width uniform in [0, F])', () => {
    const augment = new SpecAugment({
      numFreqMasks: 1,
      freqMaskParam: 20,
      numTimeMasks: 1,
      timeMaskParam: 60,
    });
    const rng = new Rng(7);
    let cols = 0;
    let rows = 0;
    const draws = 400;
    for (let i = 0; i < draws; i++) {
      const m = maskedRowsAndColumns(augment.apply(features, { training: true, rng }));
      cols += m.cols;
      rows += m.rows;
    }
    // E[width] = F / 2: 10 of 80 bins, 30 of 300 frames; 400 draws put the mean within ~7%.
    expect(cols / draws / BINS).toBeGreaterThan(0.125 * 0.9);
    expect(cols / draws / BINS).toBeLessThan(0.125 * 1.1);
    expect(rows / draws / FRAMES).toBeGreaterThan(0.1 * 0.9);
    expect(rows / draws / FRAMES).toBeLessThan(0.1 * 1.1);
  });

  it('caps time masks at p x frames and can fill with the utterance mean', () => {
    const augment = new SpecAugment({
      numFreqMasks: 0,
      numTimeMasks: 1,
      timeMaskParam: 1000,
      timeMaskMaxProportion: 0.05,
      maskValue: 'mean',
    });
    const mean = features.data.reduce((a, v) => a + v, 0) / features.data.length;
    for (let seed = 0; seed < 30; seed++) {
      const out = augment.apply(features, { training: true, rng: new Rng(seed) });
      let masked = 0;
      for (let t = 0; t < FRAMES; t++)
        if (out.data.subarray(t * BINS, (t + 1) * BINS).every((v) => v === Math.fround(mean))) masked++;
      expect(masked).toBeLessThanOrEqual(15);
    }
  });

  it('is deterministic per seed and the identity in evaluation', () => {
    const augment = new SpecAugment();
    const a = augment.apply(features, { training: true, rng: new Rng(5) });
    const b = augment.apply(features, { training: true, rng: new Rng(5) });
    const c = augment.apply(features, { training: true, rng: new Rng(6) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    expect(augment.apply(features, { training: false, rng: new Rng(5) })).toBe(features);
  });

  it('names bad options', () => {
    expect(() => new SpecAugment({ numTimeMasks: -1 })).toThrow(UserError);
    expect(() => new SpecAugment({ timeMaskMaxProportion: 2 })).toThrow(/timeMaskMaxProportion/);
  });
});

describe('WaveformAugment', () => {
  const speech = makeSignal({ kind: 'noise', n: 8000, seed: 4, amplitude: 0.2 });

  it('draws speed factors uniformly and applies them as speedPerturb does', () => {
    const augment = new WaveformAugment({ speedFactors: [0.9, 1.0, 1.1] });
    const rng = new Rng(11);
    const lengths = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const n = augment.apply(speech, { training: true, rng }).length;
      lengths.set(n, (lengths.get(n) ?? 0) + 1);
    }
    expect([...lengths.keys()].sort((a, b) => a - b)).toEqual([
      Math.ceil(8000 / 1.1),
      8000,
      Math.ceil(8000 / 0.9),
    ]);
    for (const count of lengths.values()) expect(count).toBeGreaterThan(70);
    const one = augment.apply(speech, { training: true, rng: new Rng(2) });
    const factor = one.length === 8000 ? 1 : one.length < 8000 ? 1.1 : 0.9;
    expect(Array.from(one)).toEqual(Array.from(factor === 1 ? speech : speedPerturb(speech, factor)));
  });

  it('adds noise with the configured probability and SNR range', () => {
    const noise = makeSignal({ kind: 'noise', n: 3000, seed: 1, amplitude: 0.5 });
    const augment = new WaveformAugment({ noiseProbability: 0.5, snrDb: [5, 15] }, [noise]);
    const rng = new Rng(3);
    let noisy = 0;
    for (let i = 0; i < 200; i++) {
      const out = augment.apply(speech, { training: true, rng });
      let ps = 0;
      let pn = 0;
      for (let j = 0; j < out.length; j++) {
        ps += speech[j]! ** 2;
        pn += (out[j]! - speech[j]!) ** 2;
      }
      if (pn === 0) continue;
      noisy++;
      const snr = 10 * Math.log10(ps / pn);
      expect(snr).toBeGreaterThan(5 - 0.1);
      expect(snr).toBeLessThan(15 + 0.1);
    }
    expect(noisy).toBeGreaterThan(70);
    expect(noisy).toBeLessThan(130);
  });

  it('is deterministic per seed and the identity in evaluation', () => {
    const augment = new WaveformAugment({ speedFactors: [0.9, 1.1], noiseProbability: 1 });
    const a = augment.apply(speech, { training: true, rng: new Rng(8) });
    const b = augment.apply(speech, { training: true, rng: new Rng(8) });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(augment.apply(speech, { training: false, rng: new Rng(8) })).toBe(speech);
    expect(() => new WaveformAugment({ snrDb: [20, 10] })).toThrow(/snrDb: min must not exceed max/);
  });
});

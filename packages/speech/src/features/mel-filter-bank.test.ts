import { describe, expect, it } from 'vitest';
import {
  hzToKaldiMel,
  hzToSlaneyMel,
  kaldiMelFilterBank,
  MelFilterBank,
  slaneyMelFilterBank,
  slaneyMelToHz,
} from './mel-filter-bank.js';
import { decode, loadFixture, maxAbsError, type StoredArray } from './testing/fixtures.js';

interface FilterCase {
  name: string;
  kind: 'slaney' | 'kaldi';
  numFilters: number;
  numBins?: number;
  samplingRate: number;
  minHz?: number;
  maxHz?: number;
  fftSize?: number;
  lowFreq?: number;
  highFreq?: number;
  rows: (StoredArray & { start: number })[];
}

const { cases } = loadFixture<{ cases: FilterCase[] }>('filters');

/** Dense [filters][bins] from the sparse fixture rows. */
function denseOf(c: FilterCase, numBins: number): Float64Array {
  const dense = new Float64Array(c.numFilters * numBins);
  c.rows.forEach((row, f) => {
    dense.set(decode(row), f * numBins + row.start);
  });
  return dense;
}

describe('mel filter banks against torchaudio', () => {
  it.each(cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const bank =
      c.kind === 'slaney'
        ? slaneyMelFilterBank({
            numBins: c.numBins!,
            numFilters: c.numFilters,
            samplingRate: c.samplingRate,
            minHz: c.minHz!,
            maxHz: c.maxHz!,
          })
        : kaldiMelFilterBank({
            numFilters: c.numFilters,
            fftSize: c.fftSize!,
            samplingRate: c.samplingRate,
            lowFreq: c.lowFreq!,
            highFreq: c.highFreq!,
          });
    const want = denseOf(c, bank.numBins);
    // Fixture weights are float32; Slaney weights are ~1e-2, Kaldi's peak at 1.
    expect(maxAbsError(bank.toDense(), want)).toBeLessThan(c.kind === 'slaney' ? 1e-8 : 2e-7);
  });
});

describe('MelFilterBank', () => {
  it('applies its sparse rows as the dense matrix product would', () => {
    const dense = Float64Array.from([0, 1, 2, 0, 0, 0, 0, 0, 3, 4, 5, 0, 0, 0, 0]);
    const bank = new MelFilterBank(3, 5, dense);
    const out = new Float64Array(3);
    bank.apply(Float64Array.from([1, 10, 100, 1000, 10000]), out);
    expect(Array.from(out)).toEqual([210, 43000, 5]);
    expect(Array.from(bank.toDense())).toEqual(Array.from(dense));
  });

  it('rejects a weight array of the wrong size', () => {
    expect(() => new MelFilterBank(2, 3, new Float64Array(5))).toThrow(/2x3/);
  });
});

describe('mel scales', () => {
  it('Slaney is linear below 1 kHz and inverts exactly', () => {
    expect(hzToSlaneyMel(500)).toBeCloseTo(7.5, 12);
    expect(hzToSlaneyMel(1000)).toBeCloseTo(15, 12);
    for (const hz of [0, 123, 999, 1000, 4321, 8000])
      expect(slaneyMelToHz(hzToSlaneyMel(hz))).toBeCloseTo(hz, 9);
  });

  it('Kaldi is 1127 ln(1 + f/700)', () => {
    expect(hzToKaldiMel(700)).toBeCloseTo(1127 * Math.LN2, 10);
  });

  it('rejects Kaldi edges outside (0, Nyquist)', () => {
    expect(() =>
      kaldiMelFilterBank({ numFilters: 23, fftSize: 512, samplingRate: 16000, lowFreq: 20, highFreq: 9000 }),
    ).toThrow(/high_freq 9000/);
  });
});

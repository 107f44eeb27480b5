import { Rng } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { ComplexFft, RealPowerSpectrum } from './fft.js';

function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      outRe[k]! += re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      outIm[k]! += re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
  }
  return [outRe, outIm];
}

function randomVector(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

const maxAbs = (a: Float64Array, b: Float64Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('ComplexFft', () => {
  // Powers of two and four, the 5s of n_fft = 400, and primes that take the generic butterfly.
  it.each([1, 2, 3, 4, 5, 8, 12, 16, 25, 49, 100, 128, 200, 256, 400, 77, 13])(
    'matches a naive DFT, n = %i',
    (n) => {
      const rng = new Rng(n);
      const re = randomVector(n, rng);
      const im = randomVector(n, rng);
      const [wantRe, wantIm] = naiveDft(re, im);
      new ComplexFft(n).transform(re, im);
      expect(maxAbs(re, wantRe)).toBeLessThan(1e-9 * n);
      expect(maxAbs(im, wantIm)).toBeLessThan(1e-9 * n);
    },
  );

  it('can be reused: a second transform does not see the first', () => {
    const fft = new ComplexFft(20);
    const rng = new Rng(1);
    const a = randomVector(20, rng);
    fft.transform(randomVector(20, rng), randomVector(20, rng));
    const re = Float64Array.from(a);
    const im = new Float64Array(20);
    fft.transform(re, im);
    const [wantRe] = naiveDft(a, new Float64Array(20));
    expect(maxAbs(re, wantRe)).toBeLessThan(1e-10);
  });
});

describe('RealPowerSpectrum', () => {
  it.each([2, 6, 400, 512, 30])('equals |DFT|^2 of a real frame, n = %i', (n) => {
    const frame = randomVector(n, new Rng(7 + n));
    const [re, im] = naiveDft(frame, new Float64Array(n));
    const spec = new RealPowerSpectrum(n);
    const out = new Float64Array(spec.bins);
    spec.compute(frame, out);
    expect(spec.bins).toBe(n / 2 + 1);
    for (let k = 0; k <= n / 2; k++) {
      const want = re[k]! ** 2 + im[k]! ** 2;
      expect(Math.abs(out[k]! - want)).toBeLessThan(1e-9 * Math.max(1, want));
    }
  });

  it('rejects odd lengths', () => {
    expect(() => new RealPowerSpectrum(401)).toThrow(/even/);
  });
});

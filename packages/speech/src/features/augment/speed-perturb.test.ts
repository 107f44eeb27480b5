import { describe, expect, it } from 'vitest';
import { RealPowerSpectrum } from '../fft.js';
import { decode, loadFixture, maxAbsError, type StoredArray } from '../testing/fixtures.js';
import { makeSignal, type SignalSpec, tones } from '../testing/signals.js';
import { SincResampler } from './sinc-resampler.js';
import { speedPerturb } from './speed-perturb.js';

const { speed } = loadFixture<{ speed: { factor: number; signal: SignalSpec; output: StoredArray }[] }>(
  'waveform',
);

/** Frequency (Hz) of the strongest DFT bin of `x` at 16 kHz, zero-padded to `n` samples. */
function peakHz(x: Float32Array, n = 16384): number {
  const frame = new Float64Array(n);
  frame.set(x.subarray(0, n));
  const spec = new RealPowerSpectrum(n);
  const power = new Float64Array(spec.bins);
  spec.compute(frame, power);
  let best = 0;
  for (let k = 1; k < power.length; k++) if (power[k]! > power[best]!) best = k;
  return (best * 16000) / n;
}

describe('speedPerturb', () => {
  it.each(speed.map((c) => [c.factor, c]))('matches torchaudio.functional.resample at factor %s', (_f, c) => {
    const out = speedPerturb(makeSignal(c.signal), c.factor);
    expect(out.length).toBe(c.output.shape[0]);
    expect(maxAbsError(out, decode(c.output))).toBeLessThan(1e-5);
  });

  it('shortens by the factor and scales the pitch by it', () => {
    const x = tones(16000, 16000, [[1000, 0.5, 0]]);
    for (const factor of [0.9, 1.1]) {
      const y = speedPerturb(x, factor);
      expect(y.length).toBe(Math.ceil(16000 / factor));
      expect(Math.abs(peakHz(y) - 1000 * factor)).toBeLessThan(2);
    }
    expect(Array.from(speedPerturb(x, 1))).toEqual(Array.from(x));
  });

  it('refuses factors whose rate ratio would need a huge filter', () => {
    expect(() => speedPerturb(new Float32Array(10), 1.0123)).toThrow(/16197 -> 16000 Hz/);
    expect(() => speedPerturb(new Float32Array(10), 0)).toThrow(/factor/);
  });
});

describe('SincResampler', () => {
  it('passes a low tone through a 2:1 round trip', () => {
    const x = tones(4000, 16000, [[300, 0.8, 0.3]]);
    const down = new SincResampler(16000, 8000).resample(x);
    const back = new SincResampler(8000, 16000).resample(down);
    expect(back.length).toBe(x.length);
    // Away from the edges the band-limited round trip is nearly transparent.
    expect(maxAbsError(back.subarray(200, 3800), x.subarray(200, 3800))).toBeLessThan(0.02);
  });
});

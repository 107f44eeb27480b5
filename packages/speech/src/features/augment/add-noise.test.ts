import { Rng } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { makeSignal, tones } from '../testing/signals.js';
import { addNoise } from './add-noise.js';

function achievedSnr(clean: Float32Array, noisy: Float32Array): number {
  let ps = 0;
  let pn = 0;
  for (let i = 0; i < clean.length; i++) {
    ps += clean[i]! ** 2;
    pn += (noisy[i]! - clean[i]!) ** 2;
  }
  return 10 * Math.log10(ps / pn);
}

describe('addNoise', () => {
  const speech = tones(16000, 16000, [
    [180, 0.4, 0],
    [900, 0.1, 1],
  ]);
  const babble = makeSignal({ kind: 'noise', n: 5000, seed: 9, amplitude: 0.3 });

  it.each([-5, 0, 10, 20, 40])('reaches %s dB SNR within 0.1 dB (white and recorded noise)', (snr) => {
    const rng = new Rng(snr + 100);
    expect(Math.abs(achievedSnr(speech, addNoise(speech, snr, 'white', rng)) - snr)).toBeLessThan(0.1);
    // The recording is shorter than the utterance: it loops from a random offset.
    expect(Math.abs(achievedSnr(speech, addNoise(speech, snr, babble, rng)) - snr)).toBeLessThan(0.1);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = addNoise(speech, 10, 'white', new Rng(1));
    const b = addNoise(speech, 10, 'white', new Rng(1));
    const c = addNoise(speech, 10, 'white', new Rng(2));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const d = addNoise(speech, 10, babble, new Rng(1));
    const e = addNoise(speech, 10, babble, new Rng(3));
    expect(Array.from(d)).not.toEqual(Array.from(e));
  });

  it('leaves silence silent and refuses silent or empty noise', () => {
    expect(Array.from(addNoise(new Float32Array(5), 10, 'white', new Rng(0)))).toEqual([0, 0, 0, 0, 0]);
    expect(() => addNoise(speech, 10, new Float32Array(100), new Rng(0))).toThrow(/silent/);
    expect(() => addNoise(speech, 10, new Float32Array(0), new Rng(0))).toThrow(/empty/);
  });
});

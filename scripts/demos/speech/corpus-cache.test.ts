import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWhiteNoise } from './accent-corpus.js';
import { cachedAccentCorpus, corpusKey } from './corpus-cache.js';
import { synthesizeWav } from './espeak.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-corpus-cache-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const OPTIONS = {
  accents: [{ accent: 'England English', voice: 'en-gb' }],
  speakers: { train: 1, dev: 0, test: 0 },
  clipsPerSpeaker: 2,
  noiseSnrDb: [20, 20] as const,
  seed: 5,
};

/** The 16-bit samples after the 44-byte header eSpeak NG writes. */
const samples = (wav: Uint8Array) => {
  const copy = new Uint8Array(wav.subarray(44)).slice(0, (wav.length - 44) & ~1);
  return new Int16Array(copy.buffer);
};

describe('corpus cache', () => {
  it('synthesises a corpus once and reuses it for the same options, not for others', async () => {
    const lines: string[] = [];
    const first = await cachedAccentCorpus(tmp, 'c', OPTIONS, (l) => lines.push(l));
    expect(first.reused).toBe(false);
    expect(first.counts).toEqual({ train: { 'England English': 2 }, dev: {}, test: {} });
    const clips = await fs.readdir(path.join(first.dir, 'clips'));
    expect(clips).toHaveLength(2);
    const mtime = (await fs.stat(path.join(first.dir, 'clips', clips[0] ?? ''))).mtimeMs;

    const again = await cachedAccentCorpus(tmp, 'c', { ...OPTIONS }, () => {});
    expect(again).toEqual({ ...first, reused: true });
    expect((await fs.stat(path.join(first.dir, 'clips', clips[0] ?? ''))).mtimeMs).toBe(mtime);
    expect(corpusKey({ ...OPTIONS, seed: 6 })).not.toBe(corpusKey(OPTIONS));
    expect(corpusKey({ ...OPTIONS, noiseSnrDb: [10, 10] })).not.toBe(corpusKey(OPTIONS));
  });

  it('adds white noise at the signal-to-noise ratio asked for', async () => {
    const clean = await synthesizeWav('water bath', { voice: 'en-gb' });
    const noisy = new Uint8Array(clean);
    addWhiteNoise(noisy, 10, new Rng(1));
    const s = samples(clean);
    const n = samples(noisy);
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < s.length; i++) {
      signal += (s[i] ?? 0) ** 2;
      noise += ((n[i] ?? 0) - (s[i] ?? 0)) ** 2;
    }
    expect(10 * Math.log10(signal / noise)).toBeCloseTo(10, 0);
    expect(Buffer.from(noisy.subarray(0, 44)).equals(Buffer.from(clean.subarray(0, 44)))).toBe(true);
  });
});

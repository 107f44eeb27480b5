import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '@peftkit/core';
import { commonVoiceOptions, decodeAudio, readCommonVoice } from '@peftkit/speech';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAccentCorpus } from './accent-corpus.js';
import { synthesizeWav } from './espeak.js';

let tmp: string;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-accent-corpus-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('synthetic accent corpus (espeak-ng)', () => {
  it('speaks one sentence differently per accent voice, as decodable WAV', async () => {
    const [gb, scot, again] = await Promise.all([
      synthesizeWav('water bath', { voice: 'en-gb' }),
      synthesizeWav('water bath', { voice: 'en-gb-scotland' }),
      synthesizeWav('water bath', { voice: 'en-gb' }),
    ]);
    expect(Buffer.from(gb).equals(Buffer.from(again as Uint8Array))).toBe(true);
    expect(Buffer.from(gb).equals(Buffer.from(scot as Uint8Array))).toBe(false);
    const audio = await decodeAudio(gb, { targetRate: 'original' });
    expect(audio.sampleRate).toBe(22_050);
    expect(audio.channels).toBe(1);
    const seconds = audio.samples.length / audio.sampleRate;
    expect(seconds).toBeGreaterThan(0.4);
    expect(seconds).toBeLessThan(3);
    await expect(synthesizeWav('hello', { voice: 'en-xx' })).rejects.toThrow(/unknown voice 'en-xx'/);
  });

  it('writes a Common Voice folder the speech reader reads, speakers disjoint across splits', async () => {
    const dir = path.join(tmp, 'en');
    const accents = [
      { accent: 'England English', voice: 'en-gb' },
      { accent: 'Scottish English', voice: 'en-gb-scotland' },
    ];
    const counts = await writeAccentCorpus(dir, {
      accents,
      speakers: { train: 1, dev: 1, test: 0 },
      clipsPerSpeaker: 2,
      seed: 3,
    });
    expect(counts).toEqual({
      train: { 'England English': 2, 'Scottish English': 2 },
      dev: { 'England English': 2, 'Scottish English': 2 },
      test: {},
    });
    const tsv = (split: string) => fs.readFile(path.join(dir, `${split}.tsv`), 'utf8');
    const clients = async (split: string) =>
      new Set(
        (await tsv(split))
          .trim()
          .split('\n')
          .slice(1)
          .map((r) => r.split('\t')[0]),
      );
    const [train, dev] = await Promise.all([clients('train'), clients('dev')]);
    expect([...train].filter((c) => dev.has(c))).toEqual([]);

    const { dataset, labels } = await readCommonVoice(
      path.join(dir, 'train.tsv'),
      commonVoiceOptions.parse({ labelColumn: 'accent' }),
      undefined,
    );
    expect(labels).toEqual(['England English', 'Scottish English']);
    expect(dataset.length).toBe(2 * 2);
  });
});

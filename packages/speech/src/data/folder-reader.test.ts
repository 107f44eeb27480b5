import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Dataset, readEvalData, UserError } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioExample } from './audio-example.js';
import { backgroundNoiseFiles } from './background-noise.js';
import { folderOptions, folderReader } from './folder-reader.js';
import { writeText, writeWavClip } from './testing/index.js';

let dir: string;
let sc: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-folder-'));
  // A miniature Speech Commands: two words, three speakers, noise, split lists, a README.
  sc = path.join(dir, 'speech_commands');
  for (const f of [
    'yes/aaaaaaaa_nohash_0.wav',
    'yes/aaaaaaaa_nohash_1.wav',
    'yes/bbbbbbbb_nohash_0.wav',
    'no/aaaaaaaa_nohash_0.wav',
    'no/cccccccc_nohash_0.wav',
    'no/extra/dddddddd_nohash_0.wav',
  ]) {
    await writeWavClip(path.join(sc, f), 0.25);
  }
  await writeWavClip(path.join(sc, '_background_noise_/white_noise.wav'), 2);
  await writeWavClip(path.join(sc, '_background_noise_/pink_noise.wav'), 2);
  await writeText(path.join(sc, 'README.md'), 'not audio\n');
  await writeText(path.join(sc, 'yes/notes.txt'), 'not audio either\n');
  await writeText(path.join(sc, 'validation_list.txt'), 'yes/bbbbbbbb_nohash_0.wav\n');
  await writeText(path.join(sc, 'testing_list.txt'), 'no/cccccccc_nohash_0.wav\r\n\r\n');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function all(ds: Dataset<AudioExample> | unknown): Promise<AudioExample[]> {
  const d = ds as Dataset<AudioExample>;
  return Promise.all(Array.from({ length: d.length }, (_, i) => d.get(i)));
}

const rel = (e: AudioExample) => path.relative(sc, e.path);
const options = (o: Record<string, unknown> = {}) => folderOptions.parse(o);

describe('speech/folder (Speech Commands layout)', () => {
  it('recognises class folders of audio, and not manifests or Common Voice folders', async () => {
    expect(await folderReader.canRead(sc)).toBe(true);
    expect(await folderReader.canRead(path.join(sc, 'README.md'))).toBe(false);
    const cv = path.join(dir, 'cv');
    await writeText(path.join(cv, 'train.tsv'), 'client_id\tpath\tsentence\n');
    await writeWavClip(path.join(cv, 'clips/a.wav'));
    expect(await folderReader.canRead(cv)).toBe(false);
  });

  it('reports the split lists as train/validation/test, evaluating on validation', async () => {
    expect(await folderReader.splits?.(sc, options())).toEqual({
      names: ['train', 'validation', 'test'],
      eval: 'validation',
    });
    expect(await folderReader.splits?.(sc, options({ evalSplit: 'test' }))).toMatchObject({ eval: 'test' });
  });

  it('reads the train split: sorted classes, no noise, no listed files, speakers from file names', async () => {
    const r = await folderReader.read(sc, { options: options(), split: 'train' });
    expect(r.labels).toEqual(['no', 'yes']);
    const got = await all(r.dataset);
    expect(got.map(rel)).toEqual([
      'no/aaaaaaaa_nohash_0.wav',
      path.join('no/extra/dddddddd_nohash_0.wav'),
      'yes/aaaaaaaa_nohash_0.wav',
      'yes/aaaaaaaa_nohash_1.wav',
    ]);
    expect(got.map((e) => e.label)).toEqual([0, 0, 1, 1]);
    expect(got.map((e) => e.speaker)).toEqual(['aaaaaaaa', 'dddddddd', 'aaaaaaaa', 'aaaaaaaa']);
    expect(got.every((e) => e.durationSeconds === 0.25 && path.isAbsolute(e.path))).toBe(true);
    expect(got[1]?.source).toBe('no/extra/dddddddd_nohash_0.wav');
    expect(r.labelOf?.(got[3] as AudioExample)).toBe(1);
    expect(r.warnings).toEqual([]);
  });

  it('reads the validation and test splits through core, mapping onto the trained labels', async () => {
    const val = await readEvalData(folderReader, sc, {}, ['no', 'yes'], 'validation');
    expect((await all(val.dataset)).map((e) => [rel(e), e.label])).toEqual([
      ['yes/bbbbbbbb_nohash_0.wav', 1],
    ]);
    const test = await readEvalData(folderReader, sc, {}, ['no', 'yes'], 'test');
    expect((await all(test.dataset)).map(rel)).toEqual(['no/cccccccc_nohash_0.wav']);
    // The default eval read is the validation split; unknown classes are skipped and reported.
    const onlyYes = await readEvalData(folderReader, sc, {}, ['yes']);
    expect((await all(onlyYes.dataset)).map((e) => e.label)).toEqual([0]);
    await expect(readEvalData(folderReader, sc, {}, ['no', 'yes'], 'dev')).rejects.toThrow(
      `${sc} has no split 'dev'; its splits: train, validation, test`,
    );
    const onlyNo = await readEvalData(folderReader, sc, {}, ['no'], 'test');
    expect(onlyNo.warnings).toEqual([`${sc}: skipped class folders the model was not trained on: 'yes' (1)`]);
  });

  it('exposes _background_noise_ for augmentation: every example carries the recordings', async () => {
    const noise = await backgroundNoiseFiles(sc);
    expect(noise.map((f) => path.basename(f))).toEqual(['pink_noise.wav', 'white_noise.wav']);
    expect(await backgroundNoiseFiles(path.join(sc, 'yes'))).toEqual([]);
    const got = await all((await folderReader.read(sc, { options: options(), split: 'train' })).dataset);
    for (const e of got) expect(e.noise).toEqual(noise);
  });

  it('reads every file when there are no split lists', async () => {
    const plain = path.join(dir, 'plain');
    await writeWavClip(path.join(plain, 'up/1.wav'));
    await writeWavClip(path.join(plain, 'down/1.wav'));
    expect(await folderReader.splits?.(plain, options())).toBeUndefined();
    const r = await folderReader.read(plain, { options: options(), split: 'eval' });
    expect(r.labels).toEqual(['down', 'up']);
    expect(r.dataset.length).toBe(2);
    // No noise folder, no noise list (augmentation then adds white noise).
    expect((await all(r.dataset)).every((e) => e.noise === undefined)).toBe(true);
  });

  it('refuses list entries outside the folder or not among the class files, naming the line', async () => {
    const bad = path.join(dir, 'bad-lists');
    await writeWavClip(path.join(bad, 'yes/a.wav'));
    await writeText(path.join(bad, 'validation_list.txt'), 'yes/a.wav\n../escape.wav\n');
    const err = await folderReader.read(bad, { options: options(), split: 'train' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `${path.join(bad, 'validation_list.txt')}:2: path '../escape.wav' leads outside the dataset folder ${bad}`,
    );
    await writeText(path.join(bad, 'validation_list.txt'), 'yes/gone.wav\n');
    await expect(folderReader.read(bad, { options: options(), split: 'train' })).rejects.toThrow(
      `${path.join(bad, 'validation_list.txt')}: 'yes/gone.wav' is not an audio file in a class folder of ${bad}`,
    );
  });

  it('skips clips over maxSeconds with a warning, or fails on them with tooLong: error', async () => {
    const long = path.join(dir, 'long');
    await writeWavClip(path.join(long, 'a/short.wav'), 0.5);
    await writeWavClip(path.join(long, 'a/long.wav'), 3);
    const r = await folderReader.read(long, { options: options({ maxSeconds: 1 }), split: 'train' });
    expect((await all(r.dataset)).map((e) => path.basename(e.path))).toEqual(['short.wav']);
    expect(r.warnings).toEqual([
      `skipped 1 of 2 audio files over the limits (maxSeconds 1, maxBytes 67108864; tooLong: 'error' to fail instead): ${path.join(long, 'a/long.wav')} (3.0 s)`,
    ]);
    await expect(
      folderReader.read(long, { options: options({ maxSeconds: 1, tooLong: 'error' }), split: 'train' }),
    ).rejects.toThrow(`${path.join(long, 'a/long.wav')}: 3.0 s, longer than the 1 s limit (maxSeconds)`);
  });

  it('fails on a corrupt clip naming it, or skips it with unreadable: skip', async () => {
    const broken = path.join(dir, 'broken');
    await writeWavClip(path.join(broken, 'a/good.wav'));
    const cut = await writeWavClip(path.join(broken, 'a/cut.wav'), 0.5);
    await fs.truncate(cut, 1000);
    await expect(folderReader.read(broken, { options: options(), split: 'train' })).rejects.toThrow(
      `${cut}: truncated WAV: the data chunk declares 16000 bytes, the file holds 956`,
    );
    const r = await folderReader.read(broken, { options: options({ unreadable: 'skip' }), split: 'train' });
    expect(r.dataset.length).toBe(1);
    expect(r.warnings?.[0]).toContain(`skipped 1 of 2 unreadable audio files: ${cut} (truncated WAV`);
  });

  it('fails clearly on folders without classes or without audio', async () => {
    const empty = path.join(dir, 'empty');
    await fs.mkdir(path.join(empty, '_background_noise_'), { recursive: true });
    await expect(folderReader.read(empty, { options: options(), split: 'train' })).rejects.toThrow(
      `${empty}: no class sub-folders (expected ${empty}/<class>/<audio files>)`,
    );
    await writeText(path.join(empty, 'yes/readme.txt'), 'x');
    await expect(folderReader.read(empty, { options: options(), split: 'train' })).rejects.toThrow(
      `${empty}: no audio files in its class folders`,
    );
  });
});

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Dataset, readEvalData, UserError } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioExample } from './audio-example.js';
import { manifestOptions, manifestReader } from './manifest-reader.js';
import { writeMp3Clip, writeText, writeWavClip } from './testing/index.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-manifest-'));
  await writeWavClip(path.join(dir, 'audio/a.wav'), 0.2);
  await writeWavClip(path.join(dir, 'audio/b.wav'), 0.3);
  await writeMp3Clip(path.join(dir, 'audio/c.mp3'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function all(ds: unknown): Promise<AudioExample[]> {
  const d = ds as Dataset<AudioExample>;
  return Promise.all(Array.from({ length: d.length }, (_, i) => d.get(i)));
}

const options = (o: Record<string, unknown> = {}) => manifestOptions.parse(o);
const read = (file: string, o: Record<string, unknown> = {}, labels?: readonly string[]) =>
  manifestReader.read(file, { options: options(o), split: labels ? 'eval' : 'train', labels });

describe('speech/manifest', () => {
  it('reads a CSV with labels, transcripts, accents and speakers (quoted fields, durations probed)', async () => {
    const file = await writeText(
      path.join(dir, 'train.csv'),
      'path,label,transcript,accent,speaker\n' +
        'audio/a.wav,yes,"yes, please",scottish,s1\n' +
        'audio/b.wav,no,no,,s2\n' +
        'audio/c.mp3,yes,"say ""yes""",indian,s3\n',
    );
    expect(manifestReader.canRead(file)).toBe(true);
    const r = await read(file);
    expect(r.labels).toEqual(['no', 'yes']);
    const got = await all(r.dataset);
    expect(got).toEqual([
      {
        path: path.join(dir, 'audio/a.wav'),
        label: 1,
        transcript: 'yes, please',
        accent: 'scottish',
        speaker: 's1',
        source: `${file}:2`,
        durationSeconds: 0.2,
      },
      {
        path: path.join(dir, 'audio/b.wav'),
        label: 0,
        transcript: 'no',
        speaker: 's2',
        source: `${file}:3`,
        durationSeconds: 0.3,
      },
      {
        path: path.join(dir, 'audio/c.mp3'),
        label: 1,
        transcript: 'say "yes"',
        accent: 'indian',
        speaker: 's3',
        source: `${file}:4`,
        durationSeconds: 0.5,
      },
    ]);
    expect(r.labelOf?.(got[1] as AudioExample)).toBe(0);
  });

  it('reads a transcript-only TSV (ASR) with a sentence column, quotes kept as text', async () => {
    const file = await writeText(
      path.join(dir, 'asr.tsv'),
      'path\tsentence\naudio/a.wav\t"Hello," she said.\n',
    );
    const r = await read(file);
    expect(r.labels).toEqual([
      '<pad>',
      '<unk>',
      '|',
      '"',
      ',',
      '.',
      'H',
      'a',
      'd',
      'e',
      'h',
      'i',
      'l',
      'o',
      's',
    ]);
    expect(r.labelOf).toBeUndefined();
    expect((await all(r.dataset))[0]?.transcript).toBe('"Hello," she said.');
  });

  it('maps eval rows onto the trained labels, dropping unseen ones before probing (gone.wav is missing)', async () => {
    const file = await writeText(
      path.join(dir, 'eval.csv'),
      'path,label\naudio/a.wav,no\naudio/gone.wav,maybe\n',
    );
    const r = await read(file, {}, ['yes', 'no']);
    expect((await all(r.dataset)).map((e) => e.label)).toEqual([1]);
    expect(r.warnings).toEqual([
      `${file}: skipped rows with labels the model was not trained on: 'maybe' (1 row)`,
    ]);
  });

  it('refuses absolute paths and paths leaving the folder, naming the row and column', async () => {
    const abs = path.join(dir, 'audio/a.wav');
    const hint = ' (set data.allowOutsideRoot: true to allow it)';
    for (const [bad, what] of [
      ['../outside.wav', `path '../outside.wav' leads outside the dataset folder ${dir}${hint}`],
      [
        'audio/../../outside.wav',
        `path 'audio/../../outside.wav' leads outside the dataset folder ${dir}${hint}`,
      ],
      [abs, `absolute path '${abs}' refused: paths must be relative to the dataset folder ${dir}${hint}`],
    ]) {
      const file = await writeText(path.join(dir, 'escape.csv'), `path,label\naudio/a.wav,x\n${bad},y\n`);
      const err = await read(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toBe(`${file}:3 column 'path': ${what}`);
    }
  });

  it('names the row of a missing file, a missing column, an empty label and an empty manifest', async () => {
    const missing = await writeText(
      path.join(dir, 'missing.csv'),
      'path,label\naudio/a.wav,x\naudio/nope.wav,y\n',
    );
    await expect(read(missing)).rejects.toThrow(
      `${missing}:3 column 'path': ${path.join(dir, 'audio/nope.wav')}: cannot read: no such file`,
    );
    const noPath = await writeText(path.join(dir, 'nopath.csv'), 'file,label\naudio/a.wav,x\n');
    await expect(read(noPath)).rejects.toThrow(`${noPath}: no column 'path' (columns: file, label)`);
    await expect(read(noPath, { pathColumn: 'file', labelColumn: 'class' })).rejects.toThrow(
      `${noPath}: no column 'class' (columns: file, label)`,
    );
    const noTarget = await writeText(path.join(dir, 'notarget.csv'), 'path,speaker\naudio/a.wav,s\n');
    await expect(read(noTarget)).rejects.toThrow(`${noTarget}: needs a label column`);
    const emptyLabel = await writeText(path.join(dir, 'emptylabel.csv'), 'path,label\naudio/a.wav, \n');
    await expect(read(emptyLabel)).rejects.toThrow(`${emptyLabel}:2 column 'label': empty label`);
    const empty = await writeText(path.join(dir, 'empty.csv'), 'path,label\n');
    await expect(read(empty)).rejects.toThrow(`${empty}: no rows`);
    const ragged = await writeText(path.join(dir, 'ragged.csv'), 'path,label\naudio/a.wav\n');
    await expect(read(ragged)).rejects.toThrow(`${ragged}:2: 1 fields, the header has 2 (path, label)`);
  });

  it('resolves paths against root, which they must also stay inside', async () => {
    const file = await writeText(path.join(dir, 'lists/rooted.csv'), 'path,label\na.wav,x\n');
    const r = await read(file, { root: '../audio' });
    expect((await all(r.dataset))[0]?.path).toBe(path.join(dir, 'audio/a.wav'));
  });

  it('holds out whole speakers as the eval split when speakerSplit is set', async () => {
    const clip = await writeWavClip(path.join(dir, 'many/x.wav'), 0.05);
    const lines = ['path,label,speaker'];
    for (let s = 0; s < 10; s++)
      for (let k = 0; k < 3; k++) lines.push(`${path.relative(dir, clip)},${s % 2 ? 'a' : 'b'},spk${s}`);
    const file = await writeText(path.join(dir, 'speakers.csv'), `${lines.join('\n')}\n`);
    const split = { speakerSplit: { evalFraction: 0.2, seed: 3 } };
    expect(await manifestReader.splits?.(file, options(split))).toEqual({
      names: ['train', 'eval'],
      eval: 'eval',
    });
    expect(await manifestReader.splits?.(file, options())).toBeUndefined();
    const train = await all((await read(file, split)).dataset);
    const held = await all((await readEvalData(manifestReader, file, split, ['a', 'b'], 'eval')).dataset);
    expect(train.length + held.length).toBe(30);
    const trainSpeakers = new Set(train.map((e) => e.speaker));
    expect(held.every((e) => !trainSpeakers.has(e.speaker))).toBe(true);
    // 20% of each label's 15 rows is 3 rows: one speaker of each label.
    expect(held.length).toBe(6);
    expect(new Set(held.map((e) => e.label))).toEqual(new Set([0, 1]));
    const noSpeaker = await writeText(path.join(dir, 'nospeaker.csv'), 'path,label\naudio/a.wav,x\n');
    await expect(read(noSpeaker, split)).rejects.toThrow(`${noSpeaker}: speakerSplit needs a speaker column`);
  });

  it("labelColumn 'accent' labels rows by the accent column (accents, or accentColumn) as speech/accent-id sets it", async () => {
    const file = await writeText(
      path.join(dir, 'accents.csv'),
      'path,sentence,accents,speaker\naudio/a.wav,yes,scottish,s1\naudio/b.wav,no,indian,s2\n',
    );
    const r = await read(file, { labelColumn: 'accent' });
    expect(r.labels).toEqual(['indian', 'scottish']);
    expect((await all(r.dataset)).map((e) => [e.label, e.accent, e.transcript])).toEqual([
      [1, 'scottish', 'yes'],
      [0, 'indian', 'no'],
    ]);
    // A column really named 'accent' is the label itself, whatever accentColumn says.
    const named = await writeText(
      path.join(dir, 'accent-named.csv'),
      'path,accent,region\naudio/a.wav,scottish,north\n',
    );
    expect((await read(named, { labelColumn: 'accent', accentColumn: 'region' })).labels).toEqual([
      'scottish',
    ]);
    const none = await writeText(path.join(dir, 'no-accent.csv'), 'path,sentence\naudio/a.wav,yes\n');
    await expect(read(none, { labelColumn: 'accent' })).rejects.toThrow(
      `${none}: labelColumn 'accent' needs an accent column ('accent', 'accents' or accentColumn); columns: path, sentence`,
    );
  });

  it('reads a labelled manifest as transcripts with target: transcript', async () => {
    const file = await writeText(
      path.join(dir, 'both.csv'),
      'path,label,transcript\naudio/a.wav,yes,"Yes, Sir"\n',
    );
    expect((await read(file)).labels).toEqual(['yes']);
    const r = await read(file, { target: 'transcript', normalizeText: 'letters' });
    expect(r.labels).toEqual(['<pad>', '<unk>', '|', 'e', 'i', 'r', 's', 'y']);
    const [e] = await all(r.dataset);
    expect(e?.label).toBeUndefined();
    expect(e?.transcript).toBe('yes sir');
    // Upper-case vocabularies (wav2vec2-base-960h): the same clean-up in upper case.
    const upper = await read(file, { target: 'transcript', normalizeText: 'letters-upper' });
    expect(upper.labels).toEqual(['<pad>', '<unk>', '|', 'E', 'I', 'R', 'S', 'Y']);
    expect((await all(upper.dataset))[0]?.transcript).toBe('YES SIR');
    const raw = await read(file, { target: 'transcript', normalizeText: 'uppercase' });
    expect((await all(raw.dataset))[0]?.transcript).toBe('YES, SIR');
    const bare = await writeText(path.join(dir, 'bare.csv'), 'path,label\naudio/a.wav,yes\n');
    await expect(read(bare, { target: 'transcript' })).rejects.toThrow(
      /bare\.csv: target 'transcript' needs a transcript column/,
    );
  });
});

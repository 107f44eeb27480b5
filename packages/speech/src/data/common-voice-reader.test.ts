import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Dataset, readEvalData } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accentMatches } from './accent-match.js';
import type { AudioExample } from './audio-example.js';
import { commonVoiceOptions, commonVoiceReader } from './common-voice-reader.js';
import { writeMp3Clip, writeText } from './testing/index.js';

// Columns of a Common Voice 17+ TSV, in the order the releases write them.
const HEADER =
  'client_id\tpath\tsentence_id\tsentence\tsentence_domain\tup_votes\tdown_votes\tage\tgender\taccents\tvariant\tlocale\tsegment';
const US = 'United States English, Midwestern United States English';
const ACCENTS = [
  US,
  'United States English',
  'Scottish English',
  'England English',
  '',
  'India and South Asia (India, Pakistan, Sri Lanka)',
];

let dir: string;
let cv: string;
/** 12 speakers x 2 clips; speaker s uses ACCENTS[s % 6], gender empty for odd speakers. */
const rows: string[] = [];
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-cv-'));
  cv = path.join(dir, 'cv-corpus-17.0/en');
  for (let s = 0; s < 12; s++) {
    for (let k = 0; k < 2; k++) {
      const clip = `common_voice_en_${s * 10 + k}.mp3`;
      await writeMp3Clip(path.join(cv, 'clips', clip));
      const sentence = k ? `"Quoted," said speaker ${s}.` : `Sentence ${s}.`;
      rows.push(
        [
          `client${s}`,
          clip,
          `sid${s}${k}`,
          sentence,
          '',
          '2',
          '0',
          'twenties',
          s % 2 ? '' : 'female',
          ACCENTS[s % 6],
          '',
          'en',
          '',
        ].join('\t'),
      );
    }
  }
  await writeText(path.join(cv, 'validated.tsv'), `${[HEADER, ...rows].join('\n')}\n`);
  await writeText(path.join(cv, 'train.tsv'), `${[HEADER, ...rows.slice(0, 16)].join('\n')}\n`);
  await writeText(path.join(cv, 'dev.tsv'), `${[HEADER, ...rows.slice(16, 20)].join('\n')}\n`);
  await writeText(path.join(cv, 'test.tsv'), `${[HEADER, ...rows.slice(20)].join('\n')}\n`);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function all(ds: unknown): Promise<AudioExample[]> {
  const d = ds as Dataset<AudioExample>;
  return Promise.all(Array.from({ length: d.length }, (_, i) => d.get(i)));
}

const options = (o: Record<string, unknown> = {}) => commonVoiceOptions.parse(o);
const read = (
  p: string,
  o: Record<string, unknown> = {},
  split: 'train' | 'eval' = 'train',
  labels?: readonly string[],
) => commonVoiceReader.read(p, { options: options(o), split, labels });

describe('speech/common-voice', () => {
  it('recognises Common Voice TSVs and locale folders, not other manifests', async () => {
    expect(await commonVoiceReader.canRead(path.join(cv, 'validated.tsv'))).toBe(true);
    expect(await commonVoiceReader.canRead(cv)).toBe(true);
    const other = await writeText(path.join(dir, 'manifest.tsv'), 'path\tsentence\nx.wav\thi\n');
    expect(await commonVoiceReader.canRead(other)).toBe(false);
    expect(await commonVoiceReader.canRead(path.join(cv, 'clips'))).toBe(false);
  });

  it('reads a locale folder: its TSVs are the splits, dev is the eval split', async () => {
    expect(await commonVoiceReader.splits?.(cv, options())).toEqual({
      names: ['train', 'dev', 'test', 'validated'],
      eval: 'dev',
    });
    const train = await read(cv);
    // Transcription: the label set is the character vocabulary of the training sentences.
    expect(train.labels?.slice(0, 4)).toEqual(['<pad>', '<unk>', '|', '"']);
    expect(train.labels).toContain('Q');
    const got = await all(train.dataset);
    expect(got.length).toBe(16);
    expect(got[1]).toEqual({
      path: path.join(cv, 'clips/common_voice_en_1.mp3'),
      transcript: '"Quoted," said speaker 0.',
      accent: US,
      speaker: 'client0',
      locale: 'en',
      source: `${path.join(cv, 'train.tsv')}:3`,
      durationSeconds: 0.5,
    });
    expect((await all((await read(cv, {}, 'eval')).dataset)).map((e) => e.speaker)).toEqual([
      'client8',
      'client8',
      'client9',
      'client9',
    ]);
    const test = await readEvalData(commonVoiceReader, cv, {}, undefined, 'test');
    expect(test.dataset.length).toBe(4);
  });

  it('filters by accent, matching whole comma-separated runs of the accents field', async () => {
    expect(accentMatches(US, 'united states english')).toBe(true);
    expect(accentMatches(US, 'Midwestern United States English')).toBe(true);
    expect(accentMatches(US, 'United States')).toBe(false);
    expect(
      accentMatches(
        'India and South Asia (India, Pakistan, Sri Lanka)',
        'India and South Asia (India, Pakistan, Sri Lanka)',
      ),
    ).toBe(true);
    const file = path.join(cv, 'validated.tsv');
    const r = await read(file, { accents: ['United States English', 'Scottish English'] });
    const got = await all(r.dataset);
    // Speakers 0, 1, 6, 7 (US in both spellings) and 2, 8 (Scottish), two clips each.
    expect(new Set(got.map((e) => e.speaker))).toEqual(
      new Set(['client0', 'client1', 'client2', 'client6', 'client7', 'client8']),
    );
    expect(new Set(got.map((e) => e.accent))).toEqual(new Set(['United States English', 'Scottish English']));
  });

  it('groups accents and uses the group as the class label', async () => {
    const groups = {
      accentGroups: { us: ['United States English'], uk: ['Scottish English', 'England English'] },
      labelColumn: 'accent',
    };
    const r = await read(path.join(cv, 'validated.tsv'), groups);
    expect(r.labels).toEqual(['uk', 'us']);
    const got = await all(r.dataset);
    expect(got.length).toBe(16);
    for (const e of got) expect(r.labels?.[e.label as number]).toBe(e.accent);
    expect(got.filter((e) => e.accent === 'uk').length).toBe(8);
  });

  it('labels by any column, dropping rows where it is empty', async () => {
    const r = await read(path.join(cv, 'validated.tsv'), { labelColumn: 'gender' });
    expect(r.labels).toEqual(['female']);
    expect(r.dataset.length).toBe(12);
    expect(r.warnings).toEqual([`${path.join(cv, 'validated.tsv')}: skipped 12 rows with an empty 'gender'`]);
  });

  it('splits speakers disjointly, per accent group, reproducibly from the seed', async () => {
    const base = {
      accentGroups: { us: ['United States English'], uk: ['Scottish English', 'England English'] },
      speakerSplit: { evalFraction: 0.25, seed: 1 },
      trainSplit: 'validated',
    };
    expect(await commonVoiceReader.splits?.(cv, options(base))).toEqual({
      names: ['train', 'eval'],
      eval: 'eval',
    });
    const train = await all((await read(cv, base)).dataset);
    const held = await all((await read(cv, base, 'eval')).dataset);
    expect(train.length + held.length).toBe(16);
    const trainSpeakers = new Set(train.map((e) => e.speaker));
    expect(held.some((e) => trainSpeakers.has(e.speaker))).toBe(false);
    // 25% of each group's 8 clips is 2 clips: one speaker per group.
    expect(held.map((e) => e.accent).sort()).toEqual(['uk', 'uk', 'us', 'us']);
    const again = await all((await read(cv, base, 'eval')).dataset);
    expect(again.map((e) => e.path)).toEqual(held.map((e) => e.path));
    const seeds = new Set<string>();
    for (let seed = 0; seed < 6; seed++) {
      const other = await all(
        (await read(cv, { ...base, speakerSplit: { evalFraction: 0.25, seed } }, 'eval')).dataset,
      );
      seeds.add([...new Set(other.map((e) => e.speaker))].sort().join());
    }
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('refuses clip paths leaving clips/, and names the row of a missing clip', async () => {
    const escaping = await writeText(
      path.join(cv, 'escape.tsv'),
      `${HEADER}\n${rows[0]?.replace('common_voice_en_0.mp3', '../validated.tsv')}\n`,
    );
    await expect(read(escaping)).rejects.toThrow(
      `${escaping}:2 column 'path': path '../validated.tsv' leads outside the dataset folder ${path.join(cv, 'clips')}`,
    );
    const missing = await writeText(
      path.join(cv, 'missing.tsv'),
      `${HEADER}\n${rows[0]?.replace('common_voice_en_0.mp3', 'gone.mp3')}\n`,
    );
    await expect(read(missing)).rejects.toThrow(
      `${missing}:2 column 'path': ${path.join(cv, 'clips/gone.mp3')}: cannot read: no such file`,
    );
  });

  it('explains empty results and files that are not Common Voice TSVs', async () => {
    const file = path.join(cv, 'validated.tsv');
    await expect(read(file, { accents: ['Welsh English'] })).rejects.toThrow(
      `${file}: no rows left after the accent filter (Welsh English): no row has a matching accent`,
    );
    const old = await writeText(
      path.join(cv, 'old.tsv'),
      'client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccent\nc1\tcommon_voice_en_0.mp3\tHi.\t1\t0\t\t\tscotland\n',
    );
    expect((await all((await read(old, { accents: ['scotland'] })).dataset))[0]?.accent).toBe('scotland');
    const noAccent = await writeText(
      path.join(cv, 'noaccent.tsv'),
      'client_id\tpath\tsentence\nc1\tcommon_voice_en_0.mp3\tHi.\n',
    );
    await expect(read(noAccent, { accents: ['x'] })).rejects.toThrow(
      `${noAccent}: no 'accents' or 'accent' column to filter or label by`,
    );
    const notCv = await writeText(path.join(cv, 'plain.tsv'), 'path\tsentence\ncommon_voice_en_0.mp3\tHi.\n');
    await expect(read(notCv)).rejects.toThrow(
      `${notCv}: no column 'client_id' (not a Common Voice TSV?) (columns: path, sentence)`,
    );
    await expect(read(cv, { trainSplit: 'other' })).rejects.toThrow(
      `${cv}: no other.tsv (Common Voice tables here: train.tsv, dev.tsv, test.tsv, validated.tsv)`,
    );
    expect(() => options({ accents: ['a'], accentGroups: { b: ['b'] } })).toThrow(
      'set accents or accentGroups, not both',
    );
  });

  it('normalises sentences and builds the vocabulary from them, or takes it from vocab.json or the saved labels', async () => {
    const train = await read(cv, { normalizeText: 'letters' });
    const got = await all(train.dataset);
    expect(got[1]?.transcript).toBe('quoted said speaker 0');
    const chars = new Set(got.flatMap((e) => [...(e.transcript ?? '')].filter((c) => c !== ' ')));
    expect(train.labels).toEqual(['<pad>', '<unk>', '|', ...[...chars].sort()]);
    const vocabFile = await writeText(
      path.join(dir, 'vocab.json'),
      JSON.stringify({ '<pad>': 0, '<unk>': 1, '|': 2, a: 3, b: 4 }),
    );
    expect((await read(cv, { vocabulary: vocabFile })).labels).toEqual(['<pad>', '<unk>', '|', 'a', 'b']);
    const saved = ['<pad>', '<unk>', '|', 'x'];
    expect((await read(cv, {}, 'eval', saved)).labels).toEqual(saved);
    await expect(read(cv, { vocabulary: path.join(dir, 'nope.json') })).rejects.toThrow(
      /nope\.json: cannot read the vocabulary/,
    );
  });
});

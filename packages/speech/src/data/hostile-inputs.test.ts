import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputLimitError, PathOutsideRootError, resolveInputLimits } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commonVoiceOptions, commonVoiceReader } from './common-voice-reader.js';
import { manifestOptions, manifestReader } from './manifest-reader.js';
import { writeText, writeWavClip } from './testing/index.js';

let tmp: string;
let root: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'speech-hostile-'));
  root = path.join(tmp, 'ds');
  await writeWavClip(path.join(root, 'audio/a.wav'), 0.2);
  await writeWavClip(path.join(tmp, 'elsewhere.wav'), 0.2);
  await fs.symlink(path.join(tmp, 'elsewhere.wav'), path.join(root, 'audio', 'link.wav'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('speech readers on hostile input', () => {
  it('speech/manifest: a symlink leading outside the dataset folder is refused; allowOutsideRoot accepts it', async () => {
    const file = await writeText(path.join(root, 'm.csv'), 'path,label\naudio/a.wav,x\naudio/link.wav,y\n');
    const options = manifestOptions.parse({});
    const err = await manifestReader.read(file, { options, split: 'train' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathOutsideRootError);
    expect((err as Error).message).toMatch(
      /m\.csv:3 column 'path': path 'audio\/link\.wav' resolves \(through a symlink\) to .*elsewhere\.wav/,
    );
    const abs = await writeText(
      path.join(root, 'abs.csv'),
      `path,label\n${path.join(tmp, 'elsewhere.wav')},x\n`,
    );
    await expect(manifestReader.read(abs, { options, split: 'train' })).rejects.toThrow(PathOutsideRootError);
    const ok = await manifestReader.read(file, { options, split: 'train', allowOutsideRoot: true });
    expect(ok.labels).toEqual(['x', 'y']);
    expect(
      (await manifestReader.read(abs, { options, split: 'train', allowOutsideRoot: true })).labels,
    ).toEqual(['x']);
  });

  it('speech/manifest: an unbalanced quote is an error with its line', async () => {
    const file = await writeText(
      path.join(root, 'q.csv'),
      'path,transcript\naudio/a.wav,"yes\naudio/a.wav,no"\n',
    );
    await expect(
      manifestReader.read(file, { options: manifestOptions.parse({}), split: 'train' }),
    ).rejects.toThrow(/q\.csv:2: quoted field still open at the end of the line/);
  });

  it('speech/common-voice: the TSV is bounded by limits.maxFileBytes', async () => {
    const tsv = await writeText(
      path.join(root, 'train.tsv'),
      `client_id\tpath\tsentence\n${'s1\taudio/a.wav\thello there\n'.repeat(100)}`,
    );
    const err = await commonVoiceReader
      .read(tsv, {
        options: commonVoiceOptions.parse({}),
        split: 'train',
        limits: resolveInputLimits({ maxFileBytes: 512 }),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputLimitError);
    expect((err as Error).message).toMatch(
      /train\.tsv holds 2\.7 KiB, over limits\.maxFileBytes \(512 bytes\)/,
    );
  });
});

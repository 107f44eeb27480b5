import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccentClips } from './accent-clips.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-accent-clips-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('readAccentClips', () => {
  it('reads a Common Voice TSV: paths under clips/, accents from `accents`, empty = router decides', async () => {
    const dir = path.join(tmp, 'cv');
    await fs.mkdir(path.join(dir, 'clips'), { recursive: true });
    const file = path.join(dir, 'test.tsv');
    await fs.writeFile(
      file,
      'client_id\tpath\tsentence\taccents\nc1\ta.mp3\tSay "hi".\tScottish English\nc2\tb.mp3\tOk\t\n',
    );
    expect(await readAccentClips(file)).toEqual([
      { path: path.join(dir, 'clips', 'a.mp3'), accent: 'Scottish English' },
      { path: path.join(dir, 'clips', 'b.mp3') },
    ]);
  });

  it('reads a CSV manifest with paths next to it and an `accent` column', async () => {
    const file = path.join(tmp, 'clips.csv');
    await fs.writeFile(file, 'path,accent\nx/one.wav,Irish English\n');
    expect(await readAccentClips(file)).toEqual([
      { path: path.join(tmp, 'x', 'one.wav'), accent: 'Irish English' },
    ]);
  });

  it('names the file and line of a path leaving the folder, and a missing path column', async () => {
    const leaving = path.join(tmp, 'escape.csv');
    await fs.writeFile(leaving, 'path,accent\nok.wav,a\n../../etc/passwd,b\n');
    await expect(readAccentClips(leaving)).rejects.toThrow(/escape\.csv:3/);
    const noPath = path.join(tmp, 'nopath.csv');
    await fs.writeFile(noPath, 'file,accent\na.wav,b\n');
    await expect(readAccentClips(noPath)).rejects.toThrow(
      /nopath\.csv: no column 'path'.*columns: file, accent/,
    );
  });
});

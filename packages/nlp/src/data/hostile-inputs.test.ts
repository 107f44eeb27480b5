import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputLimitError, PathOutsideRootError, resolveInputLimits } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvTextOptions, csvTextReader } from './csv-reader.js';
import { folderOptions, folderReader } from './folder-reader.js';
import { jsonTextOptions, jsonTextReader } from './json-reader.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nlp-hostile-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

async function write(name: string, text: string): Promise<string> {
  const p = path.join(tmp, name);
  await fs.mkdir(path.dirname(p), { recursive: true });
  await fs.writeFile(p, text);
  return p;
}

describe('nlp readers on hostile input', () => {
  it('nlp/csv: an unbalanced quote is an error with its line, not two rows merged into one', async () => {
    // Line 3 opens a quote that only closes on line 5: read as RFC 4180 this is 3 rows, not 4.
    const file = await write('q.csv', 'text,label\ngood,pos\n"bad,neg\nmeh,neg\nok",pos\nfine,pos\n');
    const options = csvTextOptions.parse({});
    await expect(csvTextReader.read(file, { options, split: 'train' })).rejects.toThrow(
      /q\.csv:3: quoted field still open at the end of the line \(an unbalanced quote\?\); if quoted fields really span lines, set data\.options\.multiline: true/,
    );
    const multi = await csvTextReader.read(file, {
      options: csvTextOptions.parse({ multiline: true }),
      split: 'train',
    });
    expect(multi.labels).toEqual(['pos']);
  });

  it('nlp/csv and nlp/jsonl: files over limits.maxFileBytes are refused before reading', async () => {
    const csv = await write('big.csv', `text,label\n${'word,pos\n'.repeat(200)}`);
    const limits = resolveInputLimits({ maxFileBytes: 1000 });
    const err = await csvTextReader
      .read(csv, { options: csvTextOptions.parse({}), split: 'train', limits })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputLimitError);
    expect((err as Error).message).toMatch(/big\.csv holds 1\.8 KiB, over limits\.maxFileBytes/);
  });

  it('nlp/jsonl: a record nested deeper than limits.maxJsonDepth is refused naming its line', async () => {
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    const file = await write('d.jsonl', `{"text": "a", "label": "x"}\n{"text": "b", "label": ${deep}}\n`);
    await expect(
      jsonTextReader.read(file, { options: jsonTextOptions.parse({}), split: 'train' }),
    ).rejects.toThrow(/d\.jsonl:2: nesting depth reaches 65, over limits\.maxJsonDepth \(64\)/);
    const arr = await write('d.json', `[{"text": "a", "label": ${deep}}]`);
    await expect(
      jsonTextReader.read(arr, { options: jsonTextOptions.parse({}), split: 'train' }),
    ).rejects.toThrow(InputLimitError);
  });

  it('nlp/folder: a symlink leading outside the dataset folder is refused unless allowed', async () => {
    const secret = await write('secret.txt', 'private');
    const root = path.join(tmp, 'folder');
    await write('folder/pos/a.txt', 'good');
    await write('folder/neg/b.txt', 'bad');
    await fs.symlink(secret, path.join(root, 'neg', 'c.txt'));
    const options = folderOptions.parse({});
    await expect(folderReader.read(root, { options, split: 'train' })).rejects.toThrow(PathOutsideRootError);
    const allowed = await folderReader.read(root, { options, split: 'train', allowOutsideRoot: true });
    expect(allowed.labels).toEqual(['neg', 'pos']);
  });
});

import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AnyDataset, isMapDataset } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusOptions, corpusReader } from './corpus-reader.js';
import { csvTextOptions, csvTextReader } from './csv-reader.js';
import { folderOptions, folderReader } from './folder-reader.js';
import { jsonTextOptions, jsonTextReader } from './json-reader.js';
import type { TextExample } from './text-example.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-readers-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function all(ds: AnyDataset<TextExample>): Promise<TextExample[]> {
  if (!isMapDataset(ds)) throw new Error('expected a map-style dataset');
  return Promise.all(Array.from({ length: ds.length }, (_, i) => ds.get(i)));
}

async function write(name: string, text: string): Promise<string> {
  const p = path.join(tmp, name);
  await fs.mkdir(path.dirname(p), { recursive: true });
  await fs.writeFile(p, text);
  return p;
}

describe('nlp/csv', () => {
  it('infers a sorted label set, then maps eval labels onto it and reports unseen ones', async () => {
    const train = await write('train.tsv', 'review\tstars\nlovely\t5\nawful\t1\nfine\t10\n');
    const options = csvTextOptions.parse({ textField: 'review', labelField: 'stars' });
    const r = await csvTextReader.read(train, { options, split: 'train' });
    expect(r.labels).toEqual(['1', '5', '10']);
    expect(await all(r.dataset)).toEqual([
      { text: 'lovely', label: 1 },
      { text: 'awful', label: 0 },
      { text: 'fine', label: 2 },
    ]);
    const evalFile = await write('eval.tsv', 'review\tstars\nok\t5\nodd\t3\nodd2\t3\n');
    const e = await csvTextReader.read(evalFile, { options, labels: r.labels, split: 'eval' });
    expect(e.labels).toEqual(['1', '5', '10']);
    expect(await all(e.dataset)).toEqual([{ text: 'ok', label: 1 }]);
    expect(e.warnings?.[0]).toMatch(/'3' \(2 examples\)/);
  });

  it('reads regression values and text pairs; names a missing column', async () => {
    const f = await write('pairs.csv', 'premise,hypothesis,score\nA man,A person,4.5\nA dog,A cat,0.5\n');
    const options = csvTextOptions.parse({
      textField: 'premise',
      pairField: 'hypothesis',
      labelField: 'score',
      target: 'value',
    });
    const r = await csvTextReader.read(f, { options, split: 'train' });
    expect(await all(r.dataset)).toEqual([
      { text: 'A man', pair: 'A person', value: 4.5 },
      { text: 'A dog', pair: 'A cat', value: 0.5 },
    ]);
    await expect(
      csvTextReader.read(f, { options: csvTextOptions.parse({}), split: 'train' }),
    ).rejects.toThrow(/no column 'text' \(columns: premise, hypothesis, score\)/);
  });
});

describe('nlp/jsonl', () => {
  it('reads JSONL text/label records and token-classification word/tag lists', async () => {
    const f = await write('a.jsonl', '{"text":"good","label":"pos"}\n\n{"text":"bad","label":"neg"}\n');
    const r = await jsonTextReader.read(f, { options: jsonTextOptions.parse({}), split: 'train' });
    expect(r.labels).toEqual(['neg', 'pos']);
    expect(await all(r.dataset)).toEqual([
      { text: 'good', label: 1 },
      { text: 'bad', label: 0 },
    ]);
    const ner = await write(
      'ner.jsonl',
      '{"tokens":["Ada","lives","in","Paris"],"tags":["B-PER","O","O","B-LOC"]}\n{"tokens":["Hi"],"tags":["O"]}\n',
    );
    const n = await jsonTextReader.read(ner, {
      options: jsonTextOptions.parse({ target: 'tags' }),
      split: 'train',
    });
    expect(n.labels).toEqual(['B-LOC', 'B-PER', 'O']);
    expect((await all(n.dataset))[0]).toEqual({
      text: 'Ada lives in Paris',
      words: ['Ada', 'lives', 'in', 'Paris'],
      tags: [1, 2, 2, 0],
    });
    const bad = await write('bad.jsonl', '{"text":"x","label":"a"}\n{oops\n');
    await expect(
      jsonTextReader.read(bad, { options: jsonTextOptions.parse({}), split: 'train' }),
    ).rejects.toThrow(/bad.jsonl:2: invalid JSON/);
  });

  it("reads the sentiment package's UCI fixtures (a JSON array, numeric 'class')", async () => {
    const require = createRequire(import.meta.url);
    const file = path.join(
      path.dirname(require.resolve('sentiment/package.json')),
      'test/fixtures/yelp.json',
    );
    const r = await jsonTextReader.read(file, {
      options: jsonTextOptions.parse({ labelField: 'class' }),
      split: 'train',
    });
    expect(r.labels).toEqual(['0', '1']);
    const examples = await all(r.dataset);
    expect(examples).toHaveLength(1000);
    expect(examples.filter((e) => e.label === 1)).toHaveLength(500);
  });
});

describe('nlp/folder and nlp/corpus', () => {
  it('reads <label>/*.txt folders in sorted order and skips unseen label folders at eval', async () => {
    const root = path.join(tmp, 'imdb');
    await write('imdb/pos/b.txt', 'great fun\n');
    await write('imdb/pos/a.txt', 'loved it');
    await write('imdb/neg/c.txt', 'boring');
    await write('imdb/neg/skip.md', 'not a text file');
    expect(await folderReader.canRead(root)).toBe(true);
    const r = await folderReader.read(root, { options: folderOptions.parse({}), split: 'train' });
    expect(r.labels).toEqual(['neg', 'pos']);
    expect(await all(r.dataset)).toEqual([
      { text: 'boring', label: 0 },
      { text: 'loved it', label: 1 },
      { text: 'great fun', label: 1 },
    ]);
    await write('imdb/unsup/d.txt', 'whatever');
    const e = await folderReader.read(root, {
      options: folderOptions.parse({}),
      labels: r.labels,
      split: 'eval',
    });
    expect(e.warnings?.[0]).toMatch(/'unsup' \(1 file\)/);
  });

  it('splits a plain-text corpus into paragraphs, lines or files', async () => {
    const f = await write('corpus/a.txt', 'First para\nstill first.\n\n  \nSecond.\n');
    await write('corpus/sub/b.txt', 'Third.');
    const paras = await corpusReader.read(path.join(tmp, 'corpus'), {
      options: corpusOptions.parse({}),
      split: 'train',
    });
    expect((await all(paras.dataset)).map((e) => e.text)).toEqual([
      'First para\nstill first.',
      'Second.',
      'Third.',
    ]);
    const lines = await corpusReader.read(f, {
      options: corpusOptions.parse({ split: 'line', minChars: 8 }),
      split: 'train',
    });
    expect((await all(lines.dataset)).map((e) => e.text)).toEqual(['First para', 'still first.']);
  });
});

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputLimitError, resolveInputLimits } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonlPairOptions, jsonlPairReader } from './jsonl-pair-reader.js';
import type { TextPairExample } from './text-pair-example.js';
import { tsvPairOptions, tsvPairReader } from './tsv-pair-reader.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nlp-pairs-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

async function write(name: string, text: string): Promise<string> {
  const p = path.join(tmp, name);
  await fs.writeFile(p, text);
  return p;
}

async function all(ds: { length?: number; get?: (i: number) => unknown }): Promise<TextPairExample[]> {
  const out: TextPairExample[] = [];
  for (let i = 0; i < (ds.length as number); i++) out.push((await ds.get?.(i)) as TextPairExample);
  return out;
}

const tsv = (file: string, options: Record<string, unknown> = {}, extra = {}) =>
  tsvPairReader.read(file, { options: tsvPairOptions.parse(options), split: 'train', ...extra });
const jsonl = (file: string, options: Record<string, unknown> = {}, extra = {}) =>
  jsonlPairReader.read(file, { options: jsonlPairOptions.parse(options), split: 'train', ...extra });

describe('nlp/tsv-pairs', () => {
  it('reads header-less source<TAB>target lines (CRLF, BOM, quotes, unicode) as columns 0 and 1', async () => {
    const file = await write(
      'a.tsv',
      '\ufeffHallo Welt\tHello world\r\n"Er sagte: ""Ja"""\t"He said ""yes"""\r\nGrüße 日本\tGreetings\r\n',
    );
    const r = await tsv(file, { sourceField: 0, targetField: 1 });
    expect(await all(r.dataset as never)).toEqual([
      { source: 'Hallo Welt', target: 'Hello world' },
      { source: 'Er sagte: "Ja"', target: 'He said "yes"' },
      { source: 'Grüße 日本', target: 'Greetings' },
    ]);
    // The defaults ('source', 'target') are not in the first row: no header, and the names cannot be found.
    await expect(tsv(file)).rejects.toThrow(
      /a\.tsv: no column 'source': the first row \(Hallo Welt, Hello world\) is not a header holding 'source' and 'target'/,
    );
  });

  it('detects a header holding the field names and selects columns by name or index', async () => {
    const file = await write('h.tsv', 'id\tde\ten\n1\tHund\tdog\n2\tKatze\tcat\n');
    const r = await tsv(file, { sourceField: 'de', targetField: 'en' });
    expect(await all(r.dataset as never)).toEqual([
      { source: 'Hund', target: 'dog' },
      { source: 'Katze', target: 'cat' },
    ]);
    const byIndex = await tsv(file, { sourceField: 2, targetField: 1, header: true });
    expect(((await all(byIndex.dataset as never))[0] as TextPairExample).source).toBe('dog');
    await expect(tsv(file, { sourceField: 'fr', targetField: 'en', header: true })).rejects.toThrow(
      "h.tsv: no column 'fr' (columns: id, de, en)",
    );
    await expect(tsv(file, { sourceField: 'fr', targetField: 'en' })).rejects.toThrow(
      "h.tsv: no column 'fr': the first row (id, de, en) is not a header",
    );
  });

  it('skips pairs with an empty side and reports them; fails when nothing is left', async () => {
    const file = await write('e.tsv', 'source\ttarget\na\tb\n \tc\nd\t\n');
    const r = await tsv(file);
    expect(await all(r.dataset as never)).toEqual([{ source: 'a', target: 'b' }]);
    expect(r.warnings).toEqual([`${file}: skipped 2 pairs with an empty side`]);
    await expect(tsv(await write('none.tsv', 'source\ttarget\n\t\n'))).rejects.toThrow(
      /no source\/target pairs/,
    );
  });

  it('hostile input: ragged rows, unbalanced quotes and oversized files are errors naming the place', async () => {
    await expect(
      tsv(await write('r.tsv', 'a\tb\nc\td\te\n'), { sourceField: 0, targetField: 1 }),
    ).rejects.toThrow(/r\.tsv:2: 3 fields, the first row has 2/);
    const q = await write('q.tsv', 'a\tb\n"open\tc\nd\te\n');
    await expect(tsv(q, { sourceField: 0, targetField: 1 })).rejects.toThrow(
      /q\.tsv:2: quoted field still open at the end of the line.*set data\.options\.multiline: true/,
    );
    // With quoting 'none' a quote is text (files written with csv.QUOTE_NONE).
    const plain = await tsv(q, { sourceField: 0, targetField: 1, quoting: 'none' });
    expect(((await all(plain.dataset as never))[1] as TextPairExample).source).toBe('"open');
    const big = await write('big.tsv', 'a\tb\n'.repeat(300));
    await expect(
      tsv(big, { sourceField: 0, targetField: 1 }, { limits: resolveInputLimits({ maxFileBytes: 1000 }) }),
    ).rejects.toThrow(InputLimitError);
    await expect(tsv(await write('empty.tsv', '\n\n'))).rejects.toThrow(/empty\.tsv: empty file/);
    await expect(tsv(await write('c.tsv', 'a\tb\n'), { sourceField: 0, targetField: 5 })).rejects.toThrow(
      /column 5 does not exist \(rows have 2 columns\)/,
    );
  });
});

describe('nlp/jsonl-pairs', () => {
  it('reads flat records with configurable field names', async () => {
    const file = await write(
      's.jsonl',
      '{"document": "A long text.", "summary": "Short."}\n\n{"document": "Zwei", "summary": "2"}\n',
    );
    const r = await jsonl(file, { sourceField: 'document', targetField: 'summary' });
    expect(await all(r.dataset as never)).toEqual([
      { source: 'A long text.', target: 'Short.' },
      { source: 'Zwei', target: '2' },
    ]);
  });

  it('reads Hugging Face translation records ({"translation": {"de", "en"}})', async () => {
    const file = await write(
      't.jsonl',
      '{"translation": {"de": "Guten Morgen", "en": "Good morning"}}\n{"translation": {"de": "Danke", "en": "Thanks"}}\n',
    );
    const r = await jsonl(file, { translationField: 'translation', sourceField: 'de', targetField: 'en' });
    expect(await all(r.dataset as never)).toEqual([
      { source: 'Guten Morgen', target: 'Good morning' },
      { source: 'Danke', target: 'Thanks' },
    ]);
    // The other direction is just the other field order.
    const back = await jsonl(file, { translationField: 'translation', sourceField: 'en', targetField: 'de' });
    expect(((await all(back.dataset as never))[1] as TextPairExample).source).toBe('Thanks');
  });

  it('hostile input: wrong types, missing fields, bad JSON and deep nesting name the line', async () => {
    await expect(
      jsonl(await write('n.jsonl', '{"source": "a", "target": "b"}\n{"source": 5, "target": "b"}\n')),
    ).rejects.toThrow(/n\.jsonl:2: field 'source' is not text \(5\)/);
    await expect(jsonl(await write('m.jsonl', '{"source": "a"}\n'))).rejects.toThrow(
      /m\.jsonl:1: field 'target' is missing/,
    );
    await expect(
      jsonl(await write('tm.jsonl', '{"translation": {"de": "a"}}\n'), {
        translationField: 'translation',
        sourceField: 'de',
        targetField: 'en',
      }),
    ).rejects.toThrow(/tm\.jsonl:1: field 'translation\.en' is missing/);
    await expect(
      jsonl(await write('tx.jsonl', '{"translation": "de: a"}\n'), { translationField: 'translation' }),
    ).rejects.toThrow(/tx\.jsonl:1: field 'translation' must be an object/);
    await expect(
      jsonl(await write('b.jsonl', '{"source": "a", "target": "b"}\n{"source": \n')),
    ).rejects.toThrow(/b\.jsonl:2: invalid JSON/);
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    await expect(jsonl(await write('d.jsonl', `{"source": "a", "target": ${deep}}\n`))).rejects.toThrow(
      InputLimitError,
    );
    await expect(jsonl(await write('arr.json', '{"source": "a"}'))).rejects.toThrow(
      /expected an array of objects/,
    );
  });
});

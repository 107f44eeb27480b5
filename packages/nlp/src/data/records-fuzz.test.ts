import { fuzzSettings, mutateBytes, parseCsv, runFuzzCase } from '@peftkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonRecords } from './json-reader.js';

// Property-based fuzzing of the text record parsers: mutated JSONL / JSON arrays and TSV files
// give records or an Error naming the file (and line), within a time bound. `pnpm fuzz` reruns it
// with new seeds and more cases.

const edits = fc.array(
  fc.record({
    op: fc.constantFrom('flip', 'set', 'insert', 'cut') as fc.Arbitrary<'flip' | 'set' | 'insert' | 'cut'>,
    at: fc.nat(),
    value: fc.nat(255),
  }),
  { minLength: 1, maxLength: 8 },
);

const clean = (name: string) => (err: unknown) =>
  err instanceof Error &&
  !(err instanceof TypeError || err instanceof RangeError) &&
  err.message.startsWith(name) &&
  !err.message.includes('\n');

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('nlp record parsers under fuzzing (fast-check, seeded)', () => {
  it('parseJsonRecords: mutated JSONL and JSON arrays give records or an error naming the file', async () => {
    const rows = [
      { text: 'great film', label: 'pos' },
      { text: 'dull, "long"', label: 'neg', extra: [1, { a: null }] },
      { tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] },
    ];
    const jsonl = enc(rows.map((r) => JSON.stringify(r)).join('\n'));
    const json = enc(JSON.stringify(rows));
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.oneof(edits, fc.string({ maxLength: 80 })), async (lines, input) => {
        const name = lines ? 'r.jsonl' : 'r.json';
        const text = typeof input === 'string' ? input : dec(mutateBytes(lines ? jsonl : json, input));
        await runFuzzCase(
          name,
          () => {
            for (const r of parseJsonRecords(text, name)) expect(r.where.startsWith(name)).toBe(true);
          },
          clean(name),
        );
      }),
      fuzzSettings({ seed: 41, runs: 300 }),
    );
  });

  it('TSV with quoting off (Common Voice style) and CSV: any bytes give rows of the header width or a line error', async () => {
    const tsv = enc('client_id\tpath\tsentence\na\tx.mp3\tHe said "hi\nb\ty.mp3\tok\n');
    await fc.assert(
      fc.asyncProperty(edits, fc.boolean(), async (e, quoted) => {
        await runFuzzCase(
          't.tsv',
          () => {
            const t = parseCsv(dec(mutateBytes(tsv, e)), {
              delimiter: '\t',
              source: 't.tsv',
              quoting: quoted ? 'rfc4180' : 'none',
            });
            for (const r of t.rows) expect(r).toHaveLength(t.header.length);
          },
          clean('t.tsv'),
        );
      }),
      fuzzSettings({ seed: 42, runs: 300 }),
    );
  });
  it('header-less pair TSV (nlp/tsv-pairs): any bytes give rows of the first row width or a line error', async () => {
    const tsv = enc('Hallo\tHello\n"Er sagt ""ja"""\tHe says yes\nGrüße\tRegards\n');
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        await runFuzzCase(
          'p.tsv',
          () => {
            const t = parseCsv(dec(mutateBytes(tsv, e)), { delimiter: '\t', source: 'p.tsv', header: false });
            for (const r of t.rows) expect(r).toHaveLength(t.header.length);
            expect(t.lines).toHaveLength(t.rows.length);
          },
          clean('p.tsv'),
        );
      }),
      fuzzSettings({ seed: 43, runs: 300 }),
    );
  });
});

import { type DatasetReader, parseCsv, readTextBounded } from '@peftkit/core';
import { z } from 'zod';
import { type PairRecord, pairsToExamples } from './pair-records.js';
import type { TextPairExample } from './text-pair-example.js';

export const tsvPairOptions = z.strictObject({
  /** Column of the source text: a header name, or a 0-based index for files without a header. */
  sourceField: z.union([z.string().min(1), z.number().int().nonnegative()]).default('source'),
  /** Column of the target text (name or 0-based index). */
  targetField: z.union([z.string().min(1), z.number().int().nonnegative()]).default('target'),
  /**
   * Whether the first row is a header. Default: it is when it holds both field names (so a
   * plain `Hallo<TAB>Hello` file reads as columns 0 and 1).
   */
  header: z.boolean().optional(),
  /** `rfc4180` (default): `"..."` quoting as the CSV reader; `none`: quotes are plain text. */
  quoting: z.enum(['rfc4180', 'none']).default('rfc4180'),
  /** Quoted fields may span lines (default false: an unbalanced quote is an error naming its line). */
  multiline: z.boolean().default(false),
  /** Field delimiter (default tab). */
  delimiter: z.string().length(1).default('\t'),
});

export type TsvPairOptions = z.output<typeof tsvPairOptions>;

/**
 * `nlp/tsv-pairs`: one `source<TAB>target` pair per line (Tatoeba / OPUS exports, Marian's
 * training files), with or without a header row. Without a header, columns are 0 and 1 unless
 * `sourceField`/`targetField` give other indices; with one, names or indices select them.
 *
 * @example data: { train: 'de-en.tsv', reader: 'nlp/tsv-pairs', options: { sourceField: 'de', targetField: 'en' } }
 */
export const tsvPairReader: DatasetReader<TextPairExample, TsvPairOptions> = {
  id: 'nlp/tsv-pairs',
  description: 'source<TAB>target pairs (translation, summarisation), header row optional',
  formats: ['tsv'],
  optionsSchema: tsvPairOptions,
  canRead: (p) => /\.tsv$/i.test(p),
  async read(file, { options, limits }) {
    const text = await readTextBounded(file, limits);
    const table = parseCsv(text, {
      delimiter: options.delimiter,
      source: file,
      quoting: options.quoting,
      multiline: options.multiline,
      multilineHint: 'set data.options.multiline: true',
      header: false,
    });
    const first = table.rows[0];
    if (!first) throw new Error(`${file}: empty file (expected source<TAB>target lines)`);
    const names = [options.sourceField, options.targetField];
    const hasHeader =
      options.header ?? names.every((n) => typeof n === 'string' && first.map((h) => h.trim()).includes(n));
    const header = hasHeader ? first.map((h) => h.trim()) : undefined;
    const column = (f: string | number): number => {
      const k = typeof f === 'number' ? f : (header?.indexOf(f) ?? -1);
      if (k < 0 || k >= first.length) {
        if (typeof f === 'number')
          throw new Error(`${file}: column ${f} does not exist (rows have ${first.length} columns)`);
        if (header) throw new Error(`${file}: no column '${f}' (columns: ${header.join(', ')})`);
        throw new Error(
          `${file}: no column '${f}': the first row (${first.join(', ')}) is not a header holding '${String(options.sourceField)}' and '${String(options.targetField)}'; name existing columns, give 0-based indices for a file without a header, or set data.options.header: true`,
        );
      }
      return k;
    };
    const [s, t] = [column(options.sourceField), column(options.targetField)];
    const start = hasHeader ? 1 : 0;
    const records: PairRecord[] = table.rows.slice(start).map((row, i) => ({
      source: row[s],
      target: row[t],
      where: `${file}:${table.lines[i + start]}`,
      names: [String(options.sourceField), String(options.targetField)],
    }));
    return pairsToExamples(records, file);
  },
};

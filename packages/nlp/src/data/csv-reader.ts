import { type DatasetReader, parseCsv, readTextBounded } from '@peftkit/core';
import { z } from 'zod';
import { recordFieldsShape } from './record-options.js';
import { recordsToExamples } from './records-to-examples.js';
import type { TextExample } from './text-example.js';

export const csvTextOptions = z.strictObject({
  ...recordFieldsShape,
  /** Field delimiter (default ',' for .csv, tab for .tsv). */
  delimiter: z.string().length(1).optional(),
  /**
   * Quoted fields may span lines (multi-line reviews written by pandas). Off by default, so an
   * unbalanced quote is an error naming its line instead of silently merging rows.
   */
  multiline: z.boolean().default(false),
});

export type CsvTextOptions = z.output<typeof csvTextOptions>;

/**
 * `nlp/csv`: a CSV/TSV file with a header row, a text column and a label column (names set in
 * the options). Labels become indices into a sorted label set; at evaluation time rows with
 * labels outside the training set are skipped and reported.
 *
 * @example data: { train: 'reviews.csv', options: { textField: 'review', labelField: 'stars' } }
 */
export const csvTextReader: DatasetReader<TextExample, CsvTextOptions> = {
  id: 'nlp/csv',
  description: 'CSV/TSV with a header row: a text column and a label (or value) column',
  formats: ['csv', 'tsv'],
  optionsSchema: csvTextOptions,
  canRead: (p) => /\.(csv|tsv)$/i.test(p),
  async read(file, { options, labels, limits }) {
    const text = await readTextBounded(file, limits);
    const delimiter = options.delimiter ?? (/\.tsv$/i.test(file) ? '\t' : ',');
    const table = parseCsv(text, {
      delimiter,
      source: file,
      multiline: options.multiline,
      multilineHint: 'set data.options.multiline: true',
    });
    for (const f of [
      options.textField,
      options.pairField,
      options.target === 'none' ? undefined : options.labelField,
    ]) {
      if (f !== undefined && !table.header.includes(f)) {
        throw new Error(`${file}: no column '${f}' (columns: ${table.header.join(', ')}); set data.options`);
      }
    }
    if (options.target === 'tags')
      throw new Error(`${file}: target 'tags' needs JSON records (word and tag lists)`);
    const records = table.rows.map((row, i) => ({
      get: (field: string) => row[table.header.indexOf(field)],
      where: `${file}:${table.lines[i]}`,
    }));
    return recordsToExamples(records, options, labels, file);
  },
};

import * as fs from 'node:fs/promises';
import {
  arrayDataset,
  type DatasetReader,
  describeUnseen,
  indexLabels,
  parseCsv,
  type ReadResult,
  z,
} from '@peftkit/core';
import type { TabularRow } from './row.js';

export const csvOptions = z.strictObject({
  /** Column holding the class label. */
  labelColumn: z.string().min(1).default('label'),
  /** Feature columns, in order (default: every column except the label). */
  featureColumns: z.array(z.string().min(1)).min(1).optional(),
  /** Field delimiter (default ',' for .csv, tab for .tsv). */
  delimiter: z.string().length(1).optional(),
});

export type CsvOptions = z.output<typeof csvOptions>;

/**
 * Reads a CSV/TSV table with a header row: numeric feature columns and one label column. Labels
 * become indices into a sorted label set; at evaluation time rows with labels outside the
 * training set are skipped and reported.
 */
export const csvReader: DatasetReader<TabularRow, CsvOptions> = {
  id: 'tabular/csv',
  description: 'CSV/TSV with a header row: numeric features and a label column',
  formats: ['csv', 'tsv'],
  optionsSchema: csvOptions,
  canRead: (p) => /\.(csv|tsv)$/i.test(p),
  async read(file, { options, labels }): Promise<ReadResult<TabularRow>> {
    const text = await fs.readFile(file, 'utf8');
    const delimiter = options.delimiter ?? (/\.tsv$/i.test(file) ? '\t' : ',');
    const table = parseCsv(text, { delimiter, source: file });
    const labelAt = table.header.indexOf(options.labelColumn);
    if (labelAt < 0) {
      throw new Error(
        `${file}: no label column '${options.labelColumn}' (columns: ${table.header.join(', ')}); set data.options.labelColumn`,
      );
    }
    if (!options.featureColumns && table.header.includes('')) {
      throw new Error(
        `${file}: the header has an unnamed column (an index column?); name it or set data.options.featureColumns`,
      );
    }
    const columns = options.featureColumns ?? table.header.filter((_, i) => i !== labelAt);
    const at = columns.map((c) => {
      const i = table.header.indexOf(c);
      if (i < 0) throw new Error(`${file}: no feature column '${c}'`);
      return i;
    });
    const mapped = indexLabels(
      table.rows.map((r) => (r[labelAt] ?? '').trim()),
      labels,
    );
    const rows: TabularRow[] = [];
    table.rows.forEach((r, k) => {
      const label = mapped.indices[k] as number;
      if (label < 0) return;
      const features = at.map((i, j) => {
        const cell = (r[i] ?? '').trim();
        const v = Number(cell);
        if (cell === '' || !Number.isFinite(v)) {
          throw new Error(`${file}:${table.lines[k]}: column '${columns[j]}' is not a number: '${cell}'`);
        }
        return v;
      });
      rows.push({ features, label, columns });
    });
    const warnings = mapped.unseen.size
      ? [
          `${file}: skipped rows with labels the model was not trained on: ${describeUnseen(mapped.unseen, 'row')}`,
        ]
      : [];
    return { dataset: arrayDataset(rows, file), labels: mapped.labels, labelOf: (e) => e.label, warnings };
  },
};

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  arrayDataset,
  type DatasetReader,
  describeUnseen,
  indexLabels,
  parseCsv,
  type ReadResult,
  z,
} from '@peftkit/core';
import { type ImageExample, sourceForPath } from './image-example.js';

export const csvManifestOptions = z
  .strictObject({
    /** Column with the image path (relative paths are resolved against the CSV's folder). */
    pathColumn: z.string().min(1).default('path'),
    /** Single-label: the column with the class name. */
    labelColumn: z.string().min(1).optional(),
    /** Multi-label: one 0/1 column per class (the column names are the classes). */
    labelColumns: z.array(z.string().min(1)).min(1).optional(),
    /** Field delimiter (default ',' for .csv, tab for .tsv). */
    delimiter: z.string().length(1).optional(),
    /** Folder relative paths are resolved against (default: the CSV's folder). */
    root: z.string().min(1).optional(),
  })
  .refine((o) => !(o.labelColumn && o.labelColumns), {
    message: 'set labelColumn or labelColumns, not both',
  });

export type CsvManifestOptions = z.output<typeof csvManifestOptions>;

/** What `readCsvManifest` found. */
export interface CsvManifest {
  readonly examples: ImageExample[];
  readonly labels: readonly string[] | undefined;
  readonly multiLabel: boolean;
  readonly warnings: string[];
}

const TRUE = new Set(['1', 'true', 'yes', 'y', 't', '1.0']);
const FALSE = new Set(['0', 'false', 'no', 'n', 'f', '0.0', '']);

/**
 * Reads a CSV manifest of images: a path column plus a label column (single-label; default
 * column `label` when present) or several 0/1 label columns (multi-label, e.g. ChestX-ray14
 * findings). Rows with labels outside a given label set are skipped and reported.
 *
 * @example
 * await readCsvManifest('train.csv', { pathColumn: 'file', labelColumns: ['effusion', 'nodule'] });
 */
export async function readCsvManifest(
  file: string,
  input: z.input<typeof csvManifestOptions> = {},
  labels?: readonly string[],
): Promise<CsvManifest> {
  const options = csvManifestOptions.parse(input);
  const text = await fs.readFile(file, 'utf8').catch((err: Error) => {
    throw new Error(`cannot read ${file}: ${err.message}`, { cause: err });
  });
  const delimiter = options.delimiter ?? (/\.tsv$/i.test(file) ? '\t' : ',');
  const table = parseCsv(text, { delimiter, source: file });
  const col = (name: string) => {
    const i = table.header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column '${name}' (columns: ${table.header.join(', ')})`);
    return i;
  };
  const pathAt = col(options.pathColumn);
  const root = options.root ?? path.dirname(file);
  const resolve = (p: string) => (path.isAbsolute(p) ? p : path.join(root, p));
  const warnings: string[] = [];
  const cell = (r: readonly string[], i: number) => (r[i] ?? '').trim();

  if (options.labelColumns) {
    const cols = options.labelColumns;
    if (labels && labels.join('\u0000') !== cols.join('\u0000')) {
      throw new Error(
        `${file}: label columns [${cols.join(', ')}] differ from the model's labels [${labels.join(', ')}]`,
      );
    }
    const at = cols.map(col);
    const examples = table.rows.map((r, k) => {
      const label = at.map((i, j) => {
        const v = cell(r, i).toLowerCase();
        if (TRUE.has(v)) return 1;
        if (FALSE.has(v)) return 0;
        throw new Error(`${file}:${table.lines[k]}: column '${cols[j]}' must be 0/1, got '${cell(r, i)}'`);
      });
      return { source: sourceForPath(resolve(cell(r, pathAt))), label };
    });
    return { examples, labels: [...cols], multiLabel: true, warnings };
  }
  const labelColumn = options.labelColumn ?? (table.header.includes('label') ? 'label' : undefined);
  if (!labelColumn) {
    return {
      examples: table.rows.map((r) => ({ source: sourceForPath(resolve(cell(r, pathAt))) })),
      labels: undefined,
      multiLabel: false,
      warnings,
    };
  }
  const labelAt = col(labelColumn);
  const indexed = indexLabels(
    table.rows.map((r) => cell(r, labelAt)),
    labels,
  );
  const examples: ImageExample[] = [];
  table.rows.forEach((r, k) => {
    const label = indexed.indices[k] as number;
    if (label >= 0) examples.push({ source: sourceForPath(resolve(cell(r, pathAt))), label });
  });
  if (indexed.unseen.size)
    warnings.push(
      `${file}: skipped rows with labels the model was not trained on: ${describeUnseen(indexed.unseen)}`,
    );
  return { examples, labels: indexed.labels, multiLabel: false, warnings };
}

/** `vision/csv`: a CSV manifest of image paths with a label column or 0/1 label columns. */
export const csvManifestReader: DatasetReader<ImageExample, CsvManifestOptions> = {
  id: 'vision/csv',
  description: 'CSV/TSV manifest: image path column plus a label column or one 0/1 column per label',
  formats: ['csv', 'tsv'],
  optionsSchema: csvManifestOptions,
  canRead: (p) => /\.(csv|tsv)$/i.test(p),
  async read(p, { options, labels }): Promise<ReadResult<ImageExample>> {
    const m = await readCsvManifest(p, options, labels);
    return {
      dataset: arrayDataset(m.examples, p),
      labels: m.labels,
      ...(m.multiLabel || !m.labels ? {} : { labelOf: (e: ImageExample) => e.label as number }),
      warnings: m.warnings,
    };
  },
};

import * as path from 'node:path';
import {
  arrayDataset,
  type DatasetReader,
  describeUnseen,
  type InputLimits,
  indexLabels,
  parseCsv,
  type ReadResult,
  readTextBounded,
  resolveInsideRoot,
  z,
} from '@peftkit/core';
import { type ImageExample, sourceForPath } from './image-example.js';

export const csvManifestOptions = z
  .strictObject({
    /**
     * Column with the image path, relative to `root` (default: the CSV's folder). Paths leaving
     * that folder (absolute, `../`, symlinks pointing out) are refused unless the run sets
     * `data.allowOutsideRoot: true`.
     */
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
 * findings). Rows with labels outside a given label set are skipped and reported. Image paths
 * must stay inside the dataset folder (see `pathColumn`); `policy` carries the run's input limits
 * and `allowOutsideRoot`.
 *
 * @example
 * await readCsvManifest('train.csv', { pathColumn: 'file', labelColumns: ['effusion', 'nodule'] });
 */
export async function readCsvManifest(
  file: string,
  input: z.input<typeof csvManifestOptions> = {},
  labels?: readonly string[],
  policy: { limits?: InputLimits | undefined; allowOutsideRoot?: boolean | undefined } = {},
): Promise<CsvManifest> {
  const options = csvManifestOptions.parse(input);
  const text = await readTextBounded(file, policy.limits);
  const delimiter = options.delimiter ?? (/\.tsv$/i.test(file) ? '\t' : ',');
  const table = parseCsv(text, { delimiter, source: file });
  const col = (name: string) => {
    const i = table.header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column '${name}' (columns: ${table.header.join(', ')})`);
    return i;
  };
  const pathAt = col(options.pathColumn);
  const root = options.root ?? path.dirname(file);
  const where = (k: number) => `${file}:${table.lines[k]} column '${options.pathColumn}'`;
  const resolve = (p: string, k: number) =>
    resolveInsideRoot(root, p, where(k), { allowOutsideRoot: policy.allowOutsideRoot });
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
      return { source: sourceForPath(resolve(cell(r, pathAt), k)), label };
    });
    return { examples, labels: [...cols], multiLabel: true, warnings };
  }
  const labelColumn = options.labelColumn ?? (table.header.includes('label') ? 'label' : undefined);
  if (!labelColumn) {
    return {
      examples: table.rows.map((r, k) => ({ source: sourceForPath(resolve(cell(r, pathAt), k)) })),
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
    if (label >= 0) examples.push({ source: sourceForPath(resolve(cell(r, pathAt), k)), label });
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
  async read(p, { options, labels, limits, allowOutsideRoot }): Promise<ReadResult<ImageExample>> {
    const m = await readCsvManifest(p, options, labels, { limits, allowOutsideRoot });
    return {
      dataset: arrayDataset(m.examples, p),
      labels: m.labels,
      ...(m.multiLabel || !m.labels ? {} : { labelOf: (e: ImageExample) => e.label as number }),
      warnings: m.warnings,
    };
  },
};

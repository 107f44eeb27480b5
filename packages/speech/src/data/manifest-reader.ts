import * as path from 'node:path';
import {
  type DatasetReader,
  type InputLimits,
  parseCsv,
  readTextBounded,
  resolveInsideRoot,
  UserError,
  z,
} from '@peftkit/core';
import { audioCheckShape } from './audio-checks.js';
import type { AudioExample } from './audio-example.js';
import { SPEAKER_SPLITS, speakerSplitSchema } from './speaker-split.js';
import { cellWhere, TableColumns } from './table-columns.js';
import { type TableRow, tableExamples } from './table-examples.js';
import { normalizeTranscript, transcriptShape } from './transcript-labels.js';

export const manifestOptions = z.strictObject({
  /** Column with the audio path, relative to `root` (default `path`). */
  pathColumn: z.string().min(1).default('path'),
  /**
   * Class column (default `label` when present). `accent` or `accents` without such a column
   * means the accent column (`accentColumn`, else `accent`/`accents`), as for Common Voice.
   */
  labelColumn: z.string().min(1).optional(),
  /** Transcript column (default `transcript`, `sentence` or `text`, the first present). */
  transcriptColumn: z.string().min(1).optional(),
  /** Accent column (default `accent` or `accents` when present). */
  accentColumn: z.string().min(1).optional(),
  /** Speaker column (default `speaker`, `speaker_id` or `client_id` when present). */
  speakerColumn: z.string().min(1).optional(),
  /** Field delimiter (default ',' for .csv, tab for .tsv; TSV fields are not quoted). */
  delimiter: z.string().length(1).optional(),
  /** Folder the paths are relative to and must stay inside (default: the manifest's folder). */
  root: z.string().min(1).optional(),
  /** Hold out whole speakers as `eval` (needs a speaker column). */
  speakerSplit: speakerSplitSchema.optional(),
  /**
   * What the rows are for when both a label and a transcript column exist: `label`
   * (classification, the default then) or `transcript` (ASR: the label set is the CTC vocabulary).
   */
  target: z.enum(['label', 'transcript']).optional(),
  ...transcriptShape,
  ...audioCheckShape,
});

export type ManifestOptions = z.output<typeof manifestOptions>;

const TRANSCRIPT_DEFAULTS = ['transcript', 'sentence', 'text'];
const ACCENT_DEFAULTS = ['accent', 'accents'];
const SPEAKER_DEFAULTS = ['speaker', 'speaker_id', 'client_id'];

/** `labelColumn: 'accent'` (or `accents`) names the accent column when the file has no such column. */
function byAccent(labelColumn: string | undefined, header: readonly string[]): boolean {
  return (labelColumn === 'accent' || labelColumn === 'accents') && !header.includes(labelColumn);
}

/**
 * Reads a CSV/TSV manifest of audio files: a path column plus a label column (classification)
 * and/or a transcript column (ASR), with optional accent and speaker columns. Paths are relative
 * to the manifest's folder and must stay inside it. Rows are checked like every speech reader
 * checks files (headers probed, limits applied); errors name the manifest line and column.
 * Transcript rows (no label column, or `target: 'transcript'`) get the CTC vocabulary as labels.
 */
export async function readManifest(
  file: string,
  options: ManifestOptions,
  labels: readonly string[] | undefined,
  side?: 'train' | 'eval',
  policy: { limits?: InputLimits | undefined; allowOutsideRoot?: boolean | undefined } = {},
) {
  const text = await readTextBounded(file, policy.limits);
  const tsv = /\.tsv$/i.test(file);
  const delimiter = options.delimiter ?? (tsv ? '\t' : ',');
  const table = parseCsv(text, {
    delimiter,
    source: file,
    quoting: delimiter === '\t' ? 'none' : 'rfc4180',
  });
  const cols = new TableColumns(table, file);
  const pathAt = cols.require(options.pathColumn);
  const accentAt = cols.pick(options.accentColumn, ACCENT_DEFAULTS);
  const accentLabels = byAccent(options.labelColumn, table.header);
  if (accentLabels && accentAt === undefined) {
    throw new UserError(
      `${file}: labelColumn '${options.labelColumn}' needs an accent column ('accent', 'accents' or accentColumn); columns: ${cols.names()}`,
    );
  }
  const labelAt = accentLabels ? accentAt : cols.pick(options.labelColumn, ['label']);
  const transcriptAt = cols.pick(options.transcriptColumn, TRANSCRIPT_DEFAULTS);
  const speakerAt = cols.pick(options.speakerColumn, SPEAKER_DEFAULTS);
  if (labelAt === undefined && transcriptAt === undefined) {
    throw new UserError(
      `${file}: needs a label column ('label' or labelColumn) or a transcript column ('transcript', 'sentence', 'text' or transcriptColumn); columns: ${cols.names()}`,
    );
  }
  const classified = options.target ? options.target === 'label' : labelAt !== undefined;
  if (options.target === 'label' && labelAt === undefined) {
    throw new UserError(
      `${file}: target 'label' needs a label column ('label' or labelColumn); columns: ${cols.names()}`,
    );
  }
  if (options.target === 'transcript' && transcriptAt === undefined) {
    throw new UserError(
      `${file}: target 'transcript' needs a transcript column ('transcript', 'sentence', 'text' or transcriptColumn); columns: ${cols.names()}`,
    );
  }
  if (options.speakerSplit && speakerAt === undefined) {
    throw new UserError(
      `${file}: speakerSplit needs a speaker column ('speaker', 'speaker_id', 'client_id' or speakerColumn); columns: ${cols.names()}`,
    );
  }
  const root = options.root ? path.resolve(path.dirname(file), options.root) : path.dirname(file);
  const header = table.header;
  const rows: TableRow[] = table.rows.map((r, k) => {
    const line = table.lines[k];
    const cell = (i: number | undefined) => (i === undefined ? undefined : (r[i] ?? '').trim());
    const where = cellWhere(file, line, header[pathAt] as string);
    const audio = resolveInsideRoot(root, cell(pathAt) as string, where, policy);
    const labelText = classified ? cell(labelAt) : undefined;
    if (labelText === '')
      throw new UserError(`${cellWhere(file, line, header[labelAt as number] as string)}: empty label`);
    const raw = cell(transcriptAt);
    const transcript = raw === undefined ? undefined : normalizeTranscript(raw, options.normalizeText);
    const accent = cell(accentAt);
    const speaker = cell(speakerAt);
    const example: Omit<AudioExample, 'label'> = {
      path: audio,
      ...(transcript !== undefined ? { transcript } : {}),
      ...(accent ? { accent } : {}),
      ...(speaker ? { speaker } : {}),
      source: `${file}:${line}`,
    };
    return { example, labelText, where };
  });
  return tableExamples(file, rows, {
    checks: options,
    labels,
    classified,
    transcripts: classified ? undefined : { vocabulary: options.vocabulary },
    speakerSplit: options.speakerSplit && side ? { options: options.speakerSplit, side } : undefined,
  });
}

/** `speech/manifest`: CSV/TSV of audio paths with labels and/or transcripts. */
export const manifestReader: DatasetReader<AudioExample, ManifestOptions> = {
  id: 'speech/manifest',
  description:
    'CSV/TSV manifest: audio path column plus a label and/or transcript column (accent, speaker optional)',
  formats: ['csv', 'tsv'],
  optionsSchema: manifestOptions,
  canRead: (p) => /\.(csv|tsv)$/i.test(p),
  async splits(_p, options) {
    return options.speakerSplit ? { names: [...SPEAKER_SPLITS], eval: 'eval' } : undefined;
  },
  read(p, { options, labels, split, sourceSplit, limits, allowOutsideRoot }) {
    const side = options.speakerSplit ? ((sourceSplit as 'train' | 'eval' | undefined) ?? split) : undefined;
    return readManifest(p, options, labels, side, { limits, allowOutsideRoot });
  },
};

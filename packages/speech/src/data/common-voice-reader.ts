import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type DatasetReader,
  type InputLimits,
  parseCsv,
  readTextBounded,
  resolveInsideRoot,
  type SourceSplits,
  UserError,
  z,
} from '@peftkit/core';
import { accentGroupOf } from './accent-match.js';
import { audioCheckShape } from './audio-checks.js';
import type { AudioExample } from './audio-example.js';
import { SPEAKER_SPLITS, speakerSplitSchema } from './speaker-split.js';
import { cellWhere, TableColumns } from './table-columns.js';
import { type TableRow, tableExamples } from './table-examples.js';
import { normalizeTranscript, transcriptShape } from './transcript-labels.js';

/** The TSVs of a Common Voice locale folder, in the order splits are listed. */
export const COMMON_VOICE_TABLES = ['train', 'dev', 'test', 'validated', 'other', 'invalidated'] as const;

export const commonVoiceOptions = z
  .strictObject({
    /**
     * Keep only clips with these accents (Common Voice's `accents` field, or `accent` in releases
     * before 8.0): a value matches the whole field or a comma-separated run inside it, ignoring case.
     */
    accents: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Named accent groups: `{ scottish: ['Scottish English', 'scotland'] }`. Clips in no group are
     * dropped; an example's `accent` becomes its group's name. Not together with `accents`.
     */
    accentGroups: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional(),
    /**
     * Make a column the class label: `accent` (the accent or its group), or any TSV column
     * (`gender`, `age`, `locale`, ...). Rows with an empty value are dropped.
     */
    labelColumn: z.string().min(1).optional(),
    /** Hold out whole speakers (`client_id`) as `eval`, stratified by label or accent group. */
    speakerSplit: speakerSplitSchema.optional(),
    /** For a locale folder: the TSV read as training data (default `train`). */
    trainSplit: z.enum(COMMON_VOICE_TABLES).default('train'),
    /** For a locale folder: the TSV read as eval data (default `dev`). */
    evalSplit: z.enum(COMMON_VOICE_TABLES).default('dev'),
    /** Folder of the clips, relative to the TSV's folder (default `clips`; `.` for the folder itself). */
    clipsDir: z.string().min(1).default('clips'),
    ...transcriptShape,
    ...audioCheckShape,
  })
  .refine((o) => !(o.accents && o.accentGroups), { message: 'set accents or accentGroups, not both' });

export type CommonVoiceOptions = z.output<typeof commonVoiceOptions>;

const REQUIRED = ['client_id', 'path', 'sentence'];

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

async function tablesIn(dir: string): Promise<string[]> {
  const names = new Set(await fs.readdir(dir).catch(() => [] as string[]));
  return COMMON_VOICE_TABLES.filter((t) => names.has(`${t}.tsv`));
}

/** The TSV to read: the file given, or `<folder>/<table>.tsv`. */
async function tableFile(location: string, table: string): Promise<string> {
  if (!(await isDirectory(location))) return location;
  const file = path.join(location, `${table}.tsv`);
  if (!(await fs.stat(file).catch(() => undefined))) {
    const have = (await tablesIn(location)).map((t) => `${t}.tsv`).join(', ') || 'none';
    throw new UserError(`${location}: no ${table}.tsv (Common Voice tables here: ${have})`);
  }
  return file;
}

/**
 * Reads a Common Voice TSV as downloaded (`client_id`, `path`, `sentence`, `accents` or `accent`,
 * `locale`, ...), with the clips in `clips/` next to it: transcripts from `sentence`, speakers from
 * `client_id`, optional accent filtering/grouping and an accent (or other column) label. The TSV
 * is read without quote handling, as Common Voice writes it (sentences contain quotes).
 * Without `labelColumn` the task is transcription: the label set is the CTC vocabulary (the
 * `vocabulary` file, else the characters of the training sentences after `normalizeText`).
 */
export async function readCommonVoice(
  file: string,
  options: CommonVoiceOptions,
  labels: readonly string[] | undefined,
  side?: 'train' | 'eval',
  policy: { limits?: InputLimits | undefined; allowOutsideRoot?: boolean | undefined } = {},
) {
  const text = await readTextBounded(file, policy.limits);
  const table = parseCsv(text, { delimiter: '\t', source: file, quoting: 'none' });
  const cols = new TableColumns(table, file);
  const [speakerAt, pathAt, sentenceAt] = REQUIRED.map((c) =>
    cols.require(c, ' (not a Common Voice TSV?)'),
  ) as [number, number, number];
  const accentAt = cols.pick(undefined, ['accents', 'accent']);
  const localeAt = cols.pick(undefined, ['locale']);
  const filtering = options.accents ?? options.accentGroups;
  if ((filtering || options.labelColumn === 'accent') && accentAt === undefined) {
    throw new UserError(
      `${file}: no 'accents' or 'accent' column to filter or label by (columns: ${cols.names()})`,
    );
  }
  const byAccent = options.labelColumn === 'accent' || options.labelColumn === 'accents';
  const labelAt = options.labelColumn && !byAccent ? cols.require(options.labelColumn) : undefined;
  const groups: [string, string[]][] = options.accentGroups
    ? Object.entries(options.accentGroups)
    : (options.accents ?? []).map((a) => [a, [a]]);
  const root = path.dirname(file);
  const clips =
    options.clipsDir === '.' ? root : resolveInsideRoot(root, options.clipsDir, `${file}: clipsDir`, policy);
  const rows: TableRow[] = [];
  const dropped = { accent: 0, label: 0 };
  table.rows.forEach((r, k) => {
    const line = table.lines[k];
    const cell = (i: number | undefined) => (i === undefined ? '' : (r[i] ?? '').trim());
    let accent = cell(accentAt);
    if (filtering) {
      const group = accentGroupOf(accent, groups);
      if (group === undefined) {
        dropped.accent++;
        return;
      }
      accent = group;
    }
    const labelText = byAccent ? accent : labelAt !== undefined ? cell(labelAt) : undefined;
    if (labelText === '') {
      dropped.label++;
      return;
    }
    const where = cellWhere(file, line, 'path');
    const clip = resolveInsideRoot(clips, cell(pathAt), where, policy);
    const speaker = cell(speakerAt);
    const locale = cell(localeAt);
    const example: Omit<AudioExample, 'label'> = {
      path: clip,
      transcript: normalizeTranscript(cell(sentenceAt), options.normalizeText),
      ...(accent ? { accent } : {}),
      ...(speaker ? { speaker } : {}),
      ...(locale ? { locale } : {}),
      source: `${file}:${line}`,
    };
    rows.push({ example, labelText, where });
  });
  if (!rows.length)
    throw new UserError(`${file}: no rows left ${emptyReason(table.rows.length, dropped, options)}`);
  const result = await tableExamples(file, rows, {
    checks: options,
    labels,
    classified: options.labelColumn !== undefined,
    transcripts: options.labelColumn === undefined ? { vocabulary: options.vocabulary } : undefined,
    speakerSplit: options.speakerSplit && side ? { options: options.speakerSplit, side } : undefined,
  });
  const notes: string[] = [];
  if (dropped.label)
    notes.push(`${file}: skipped ${dropped.label} rows with an empty '${options.labelColumn}'`);
  return { ...result, warnings: [...notes, ...(result.warnings ?? [])] };
}

function emptyReason(
  total: number,
  dropped: { accent: number; label: number },
  options: CommonVoiceOptions,
): string {
  if (total === 0) return '(the file has a header only)';
  if (dropped.accent === total) {
    const wanted = options.accentGroups
      ? Object.keys(options.accentGroups).join(', ')
      : (options.accents ?? []).join(', ');
    return `after the accent filter (${wanted}): no row has a matching accent`;
  }
  return `after dropping ${dropped.label} rows with an empty '${options.labelColumn}'`;
}

/**
 * `speech/common-voice`: a Common Voice TSV, or a locale folder (`train.tsv`, `dev.tsv`,
 * `test.tsv`, ..., `clips/`). A folder reports its TSVs as splits (eval: `dev`). With
 * `speakerSplit`, the source has `train` and `eval` splits of disjoint speakers instead, cut from
 * the TSV given (or the folder's `trainSplit` TSV).
 */
export const commonVoiceReader: DatasetReader<AudioExample, CommonVoiceOptions> = {
  id: 'speech/common-voice',
  description:
    'Common Voice TSV (client_id, path, sentence, accents, ...) with clips/ next to it, or a locale folder',
  formats: ['tsv (Common Voice)', 'folder with clips/ and train.tsv, dev.tsv, test.tsv'],
  optionsSchema: commonVoiceOptions,
  async canRead(p) {
    if (await isDirectory(p))
      return (await isDirectory(path.join(p, 'clips'))) && (await tablesIn(p)).length > 0;
    if (!/\.tsv$/i.test(p)) return false;
    const handle = await fs.open(p, 'r').catch(() => undefined);
    if (!handle) return false;
    try {
      const buf = new Uint8Array(4096);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      const header =
        new TextDecoder().decode(buf.subarray(0, bytesRead)).split(/\r?\n/)[0]?.split('\t') ?? [];
      return REQUIRED.every((c) => header.includes(c));
    } finally {
      await handle.close();
    }
  },
  async splits(p, options): Promise<SourceSplits | undefined> {
    if (options.speakerSplit) return { names: [...SPEAKER_SPLITS], eval: 'eval' };
    if (!(await isDirectory(p))) return undefined;
    const names = await tablesIn(p);
    const evalSplit =
      names.includes(options.evalSplit) && options.evalSplit !== options.trainSplit
        ? options.evalSplit
        : undefined;
    return { names, eval: evalSplit };
  },
  async read(p, { options, labels, split, sourceSplit, limits, allowOutsideRoot }) {
    if (options.speakerSplit) {
      const side = (sourceSplit as 'train' | 'eval' | undefined) ?? split;
      return readCommonVoice(await tableFile(p, options.trainSplit), options, labels, side, {
        limits,
        allowOutsideRoot,
      });
    }
    const table = sourceSplit ?? (split === 'train' ? options.trainSplit : options.evalSplit);
    return readCommonVoice(await tableFile(p, table), options, labels, undefined, {
      limits,
      allowOutsideRoot,
    });
  },
};

import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseCsv, resolveInsideRoot, UserError } from '@peftkit/core';
import { TableColumns } from '../data/table-columns.js';
import type { AccentClip } from './accent-adapters.js';

/**
 * Reads the clips to transcribe from a CSV/TSV: a `path` column (relative to the file's folder, or
 * to its `clips/` folder when it has one, as Common Voice lays files out) and an optional
 * `accent` (or Common Voice's `accents`) column; an empty accent cell means "let the router
 * decide". A Common Voice TSV works as it is.
 *
 * @example const clips = await readAccentClips('cv/en/test.tsv');
 */
export async function readAccentClips(file: string): Promise<AccentClip[]> {
  const text = await fs.readFile(file, 'utf8').catch((err: Error) => {
    throw new UserError(`cannot read ${file}: ${err.message}`, 2, { cause: err });
  });
  const delimiter = /\.tsv$/i.test(file) ? '\t' : ',';
  const table = parseCsv(text, { delimiter, source: file, quoting: delimiter === '\t' ? 'none' : 'rfc4180' });
  const cols = new TableColumns(table, file);
  const pathAt = cols.require('path', ' (the audio file of each row)');
  const accentAt = cols.pick(undefined, ['accent', 'accents']);
  const dir = path.dirname(path.resolve(file));
  const root = existsSync(path.join(dir, 'clips')) ? path.join(dir, 'clips') : dir;
  return table.rows.map((row, i) => {
    const where = `${file}:${table.lines[i]}`;
    const clip = resolveInsideRoot(root, row[pathAt] ?? '', where, { hint: '' });
    const accent = accentAt === undefined ? '' : (row[accentAt] ?? '').trim();
    return accent ? { path: clip, accent } : { path: clip };
  });
}

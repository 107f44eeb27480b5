import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../io/atomic-write.js';
import type { JsonValue } from '../json.js';
import type { PreprocessorInstance } from '../preprocessor.js';
import { UserError } from '../user-error.js';
import { RUN_FILES } from './run-files.js';

/** `preprocessor.json`: which preprocessor, its options, and its fitted state. */
export interface PreprocessorFile {
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly state: JsonValue;
}

export async function writePreprocessorFile(
  dir: string,
  id: string,
  options: Readonly<Record<string, unknown>>,
  instance: PreprocessorInstance,
): Promise<void> {
  const file: PreprocessorFile = { id, options, state: instance.saveState() };
  await writeJsonAtomic(path.join(dir, RUN_FILES.preprocessor), file);
}

/** Reads `dir/preprocessor.json`, or undefined when the directory has none. */
export async function readPreprocessorFile(dir: string): Promise<PreprocessorFile | undefined> {
  const file = path.join(dir, RUN_FILES.preprocessor);
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${file}: ${(err as Error).message}`, 2, { cause: err });
  }
  const f = raw as Partial<PreprocessorFile> | null;
  if (!f || typeof f.id !== 'string' || !('state' in f))
    throw new UserError(`${file}: malformed (needs 'id' and 'state')`);
  return { id: f.id, options: (f.options ?? {}) as Record<string, unknown>, state: f.state as JsonValue };
}

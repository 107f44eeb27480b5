import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { UserError } from '../user-error.js';
import { RUN_FILES } from './run-files.js';

/** Marker `peftkit eval --out` writes, so a later `--overwrite` knows the directory is ours. */
export const EVAL_MARKER = 'peftkit-eval.json';

/**
 * What an output directory holds before a command writes into it:
 * `missing`, `empty`, a peftkit output (`run`: has `peftkit-run.json`; `eval`: has the eval
 * marker), `foreign` (anything else: the user's files) or `file` (not a directory).
 */
export type OutDirState =
  | { readonly kind: 'missing' | 'empty' | 'file' }
  | { readonly kind: 'run' | 'eval' | 'foreign'; readonly entries: readonly string[] };

/** Classifies `dir` (see `OutDirState`). */
export async function inspectOutDir(dir: string): Promise<OutDirState> {
  const stat = await fs.stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new UserError(`--out ${dir}: cannot read it (${err.code ?? err.message})`, 2, { cause: err });
  });
  if (!stat) return { kind: 'missing' };
  if (!stat.isDirectory()) return { kind: 'file' };
  const entries = (await fs.readdir(dir)).sort();
  if (entries.length === 0) return { kind: 'empty' };
  if (entries.includes(RUN_FILES.manifest)) return { kind: 'run', entries };
  if (entries.includes(EVAL_MARKER)) return { kind: 'eval', entries };
  return { kind: 'foreign', entries };
}

function listing(entries: readonly string[]): string {
  const shown = entries.slice(0, 3).join(', ');
  return entries.length > 3 ? `${shown}, ... (${entries.length} entries)` : shown;
}

/** The one-line refusal for a directory of the user's own files. */
export function foreignDirError(dir: string, entries: readonly string[], command: string): UserError {
  return new UserError(
    `${command} --out ${dir}: the directory is not empty and was not written by peftkit (holds ${listing(entries)}); ` +
      'choose a new or empty directory',
  );
}

/**
 * Checks that `train`/`pretrain` may write a fresh run into `dir`: it must be missing, empty or a
 * peftkit run (whose own rules, resume or rerun of a failed run, the caller applies). A file or a
 * directory of the user's files is refused, so our `summary.json` never lands among theirs.
 */
export async function assertTrainOutDir(dir: string, command: string): Promise<OutDirState> {
  const state = await inspectOutDir(dir);
  if (state.kind === 'file')
    throw new UserError(`${command} --out ${dir}: a file is in the way; choose a directory`);
  if (state.kind === 'foreign' || state.kind === 'eval') throw foreignDirError(dir, state.entries, command);
  return state;
}

/**
 * Checks that a command writing a whole directory (`merge`, `eval --out`) may write `dir`:
 * missing or empty is fine; a previous peftkit output of the kind `ours` names is replaced only
 * with `overwrite`; anything else is refused. The caller then writes with `writeDirAtomic`, so
 * the old output is replaced wholesale and never mixed with the new one.
 */
export async function assertReplaceableOutDir(
  dir: string,
  o: { command: string; ours: 'run' | 'eval'; overwrite: boolean },
): Promise<OutDirState> {
  const state = await inspectOutDir(dir);
  if (state.kind === 'missing' || state.kind === 'empty') return state;
  if (state.kind === 'file')
    throw new UserError(`${o.command} --out ${dir}: a file is in the way; choose a directory`);
  if (state.kind === o.ours) {
    if (o.overwrite) return state;
    const what = state.kind === 'run' ? 'a peftkit run' : 'an earlier eval output';
    throw new UserError(
      `${o.command} --out ${dir}: already holds ${what}; pass --overwrite to replace it, or choose another --out`,
    );
  }
  if (state.kind === 'foreign') throw foreignDirError(dir, state.entries, o.command);
  throw new UserError(
    `${o.command} --out ${dir}: holds ${state.kind === 'run' ? 'a peftkit run' : 'an eval output'}, which this command does not replace; choose another --out`,
  );
}

/** True when `inner` is `outer` or inside it. */
export function isWithin(inner: string, outer: string): boolean {
  const rel = path.relative(path.resolve(outer), path.resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

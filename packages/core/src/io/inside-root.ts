import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../plugin/user-error.js';

/** How `resolveInsideRoot` treats paths that leave the dataset folder. */
export interface InsideRootOptions {
  /**
   * Accept absolute paths and paths leading outside the root (data kept elsewhere on purpose);
   * default false. A run sets it with `data.allowOutsideRoot: true`.
   */
  readonly allowOutsideRoot?: boolean | undefined;
  /**
   * How the message says to allow the path (default: `set data.allowOutsideRoot: true to allow
   * it`); an empty string for paths no option can allow.
   */
  readonly hint?: string | undefined;
}

/** A path from a manifest or folder listing leads outside its dataset folder. */
export class PathOutsideRootError extends UserError {
  override readonly name = 'PathOutsideRootError';
}

const HINT = 'set data.allowOutsideRoot: true to allow it';
const hintOf = (o: InsideRootOptions) => ((o.hint ?? HINT) === '' ? '' : ` (${o.hint ?? HINT})`);

/**
 * Resolves `relative` (a path from a manifest row) against the dataset folder `root` and refuses
 * absolute paths and paths that leave the folder (`../x.png`), symlinks included: the path and
 * the root are compared after `realpath`, so a link inside the folder pointing elsewhere is
 * refused too. `where` names the row for the message (`train.csv:12 column 'path'`).
 * With `allowOutsideRoot`, any path is accepted (relative ones still resolve against `root`).
 *
 * @example resolveInsideRoot('/data/cv', 'clips/a.mp3', 'train.tsv:2') // '/data/cv/clips/a.mp3'
 */
export function resolveInsideRoot(
  root: string,
  relative: string,
  where: string,
  options: InsideRootOptions = {},
): string {
  if (relative === '') throw new UserError(`${where}: empty path`);
  const abs = path.isAbsolute(relative) || path.win32.isAbsolute(relative);
  const base = path.resolve(root);
  const full = path.resolve(base, relative.replaceAll('\\', '/'));
  if (options.allowOutsideRoot) return full;
  if (abs) {
    throw new PathOutsideRootError(
      `${where}: absolute path '${relative}' refused: paths must be relative to the dataset folder ${root}${hintOf(options)}`,
    );
  }
  if (!isWithin(base, full)) {
    throw new PathOutsideRootError(
      `${where}: path '${relative}' leads outside the dataset folder ${root}${hintOf(options)}`,
    );
  }
  assertRealInside(root, full, `${where}: path '${relative}'`, options);
  return full;
}

/**
 * Throws `PathOutsideRootError` when `file` (already inside `root` by name), once symlinks are
 * resolved, lies outside `root`'s real location. For folder readers that list files: a symlink
 * in the dataset folder must not pull in `/etc/passwd`. A missing file is left for the reader's
 * open to report.
 */
export function assertRealInside(
  root: string,
  file: string,
  what: string,
  options: InsideRootOptions = {},
): void {
  if (options.allowOutsideRoot) return;
  const realRoot = realpathOrSelf(path.resolve(root));
  const real = realpathOfExisting(path.resolve(file));
  if (!isWithin(realRoot, real)) {
    throw new PathOutsideRootError(
      `${what} resolves (through a symlink) to ${real}, outside the dataset folder ${root}${hintOf(options)}`,
    );
  }
}

function isWithin(base: string, full: string): boolean {
  const rel = path.relative(base, full);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return p;
  }
}

/** The real path of `p`, or of its deepest existing ancestor joined with the rest. */
function realpathOfExisting(p: string): string {
  let head = p;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(head), ...tail.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return p;
      tail.push(path.basename(head));
      head = parent;
    }
  }
}

import * as path from 'node:path';
import { UserError } from '@peftkit/core';

/**
 * Resolves a relative path from a manifest against the dataset folder, refusing absolute paths
 * and paths that leave the folder (`../x.wav`), so a manifest cannot make a run read arbitrary
 * files. `where` names the manifest row for the message (`train.csv:12 column 'path'`).
 *
 * @example resolveInside('/data/cv', 'clips/a.mp3', 'train.tsv:2') // '/data/cv/clips/a.mp3'
 */
export function resolveInside(root: string, relative: string, where: string): string {
  if (relative === '') throw new UserError(`${where}: empty path`);
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw new UserError(`${where}: absolute path '${relative}' refused; paths must be relative to ${root}`);
  }
  const base = path.resolve(root);
  const full = path.resolve(base, relative.replaceAll('\\', '/'));
  const rel = path.relative(base, full);
  if (rel === '' || rel.startsWith(`..${path.sep}`) || rel === '..' || path.isAbsolute(rel)) {
    throw new UserError(`${where}: path '${relative}' leads outside the dataset folder ${root}`);
  }
  return full;
}

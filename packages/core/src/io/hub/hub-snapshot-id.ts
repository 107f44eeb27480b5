import * as path from 'node:path';

/**
 * The Hub repository and commit a directory is the cached snapshot of
 * (`…/models--org--name/snapshots/<sha>`), or undefined for any other directory.
 *
 * @example
 * hubIdOfSnapshot('/home/me/.cache/huggingface/hub/models--org--bert/snapshots/ab12…'); // { repo: 'org/bert', sha: 'ab12…' }
 */
export function hubIdOfSnapshot(dir: string): { repo: string; sha: string } | undefined {
  const parts = path.resolve(dir).split(path.sep);
  const sha = parts.at(-1) ?? '';
  const folder = parts.at(-3) ?? '';
  if (parts.at(-2) !== 'snapshots' || !/^[0-9a-f]{40}$/.test(sha) || !folder.startsWith('models--'))
    return undefined;
  const repo = folder.slice('models--'.length).split('--').join('/');
  return repo ? { repo, sha } : undefined;
}

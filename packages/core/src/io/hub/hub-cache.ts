import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { isCommitHash } from './hub-id.js';

/** `<cache>/models--org--name`, the folder `huggingface_hub` keeps a model repository in. */
export function hubRepoFolder(cacheDir: string, repo: string): string {
  return path.join(cacheDir, `models--${repo.split('/').join('--')}`);
}

/** The commit a revision points to in the cache: itself when it is a hash, else `refs/<revision>`. */
export async function cachedCommit(repoFolder: string, revision: string): Promise<string | undefined> {
  if (isCommitHash(revision)) return revision;
  try {
    const sha = (await fs.readFile(path.join(repoFolder, 'refs', revision), 'utf8')).trim();
    return isCommitHash(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** Records `refs/<revision>` -> `sha` as `huggingface_hub` does (atomic; no-op for hashes). */
export async function writeRef(repoFolder: string, revision: string, sha: string): Promise<void> {
  if (isCommitHash(revision)) return;
  const file = path.join(repoFolder, 'refs', revision);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, sha);
}

/** Top-level files of a snapshot that resolve to something (a dangling symlink does not count). */
export async function snapshotFiles(snapshotDir: string): Promise<Set<string>> {
  const out = new Set<string>();
  let names: string[];
  try {
    names = await fs.readdir(snapshotDir);
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      if ((await fs.stat(path.join(snapshotDir, name))).isFile()) out.add(name);
    } catch {
      // A symlink whose blob is gone: missing.
    }
  }
  return out;
}

/** The shard file names a snapshot's `model.safetensors.index.json` lists (empty without one). */
export async function indexShards(snapshotDir: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(snapshotDir, 'model.safetensors.index.json'), 'utf8');
  } catch {
    return [];
  }
  const map = (JSON.parse(text) as { weight_map?: Record<string, unknown> }).weight_map ?? {};
  return [...new Set(Object.values(map).map(String))];
}

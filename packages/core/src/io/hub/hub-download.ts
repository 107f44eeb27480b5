import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { downloadFile, fileDownloadInfo, modelInfo } from '@huggingface/hub';
import { UserError } from '../../plugin/user-error.js';
import { tempSiblingPath } from '../atomic-write.js';
import { writeRef } from './hub-cache.js';
import { type HubEnv, hubCredentials } from './hub-env.js';
import { isWantedHubFile } from './hub-files.js';
import type { HubRef } from './hub-id.js';
import { fileProgress } from './hub-progress.js';

/** A revision's snapshot folder in the cache and the commit it is. */
export interface HubSnapshot {
  readonly sha: string;
  readonly dir: string;
}

/**
 * Brings the files peftkit needs of `ref` into the cache's standard layout through
 * `@huggingface/hub`: the revision is resolved to its commit once (`refs/<revision>` written),
 * each missing file is fetched into `blobs/<etag>` (temp file + rename, size checked) and linked
 * from `snapshots/<sha>/<file>` (relative symlink, a copy where symlinks fail), as Python's
 * `huggingface_hub` lays it out. Files already in the snapshot are not fetched again.
 */
export async function downloadHubSnapshot(
  ref: HubRef,
  env: HubEnv,
  repoFolder: string,
  log: (line: string) => void,
): Promise<HubSnapshot> {
  const credentials = hubCredentials(env);
  const info = await modelInfo({
    name: ref.repo,
    revision: ref.revision,
    hubUrl: env.endpoint,
    additionalFields: ['sha', 'filePaths'],
    ...credentials,
  });
  const sha = info.sha;
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) {
    throw new UserError(
      `${ref.repo}@${ref.revision}: the Hub at ${env.endpoint} answered without a commit id`,
    );
  }
  const files = (info.filePaths ?? []).filter(isWantedHubFile);
  const dir = path.join(repoFolder, 'snapshots', sha);
  await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(path.join(repoFolder, 'blobs'), { recursive: true });
  for (const file of files) {
    const target = path.join(dir, file);
    if (await isFile(target)) continue;
    const repo = { type: 'model' as const, name: ref.repo };
    const where = { repo, path: file, revision: sha, hubUrl: env.endpoint, ...credentials };
    const download = await fileDownloadInfo(where);
    if (!download) throw new UserError(`${ref.repo}@${sha}: ${file} is listed but cannot be downloaded`);
    const etag = download.etag.replace(/^W\//, '').replace(/"/g, '');
    if (!/^[\w-]+$/.test(etag))
      throw new UserError(`${ref.repo}: ${file} has an unusable ETag '${download.etag}'`);
    const blob = path.join(repoFolder, 'blobs', etag);
    if (!(await isFile(blob))) {
      const data = await downloadFile({ ...where, downloadInfo: download });
      if (!data) throw new UserError(`${ref.repo}@${sha}: ${file} vanished while downloading`);
      await writeBlob(blob, data, download.size, fileProgress(`${ref.repo}/${file}`, download.size, log));
    }
    await linkIntoSnapshot(blob, target);
  }
  await writeRef(repoFolder, ref.revision, sha);
  return { sha, dir };
}

/** Streams `data` into a temp sibling of `blob`, checks its size, then renames it into place. */
async function writeBlob(
  blob: string,
  data: Blob,
  size: number,
  progress: ReturnType<typeof fileProgress>,
): Promise<void> {
  const tmp = tempSiblingPath(blob, 'incomplete');
  const handle = await fs.open(tmp, 'wx');
  let written = 0;
  try {
    for await (const chunk of Readable.fromWeb(data.stream() as import('node:stream/web').ReadableStream)) {
      const bytes = chunk as Uint8Array;
      await handle.write(bytes);
      written += bytes.byteLength;
      progress.add(bytes.byteLength);
    }
    await handle.sync();
    await handle.close();
    if (written !== size)
      throw new UserError(`${path.basename(blob)}: got ${written} bytes, the Hub announced ${size}`);
    await fs.rename(tmp, blob);
    progress.done();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** `target` -> relative symlink to `blob`, swapped in atomically; a copy where symlinks are not allowed. */
async function linkIntoSnapshot(blob: string, target: string): Promise<void> {
  const tmp = tempSiblingPath(target, 'link');
  try {
    await fs.symlink(path.relative(path.dirname(target), blob), tmp);
  } catch {
    await fs.copyFile(blob, tmp);
  }
  await fs.rename(tmp, target);
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

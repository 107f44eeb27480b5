import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { HubApiError } from '@huggingface/hub';
import { UserError } from '../../plugin/user-error.js';
import { cachedCommit, hubRepoFolder, indexShards, snapshotFiles } from './hub-cache.js';
import { downloadHubSnapshot } from './hub-download.js';
import { type HubEnv, hubEnv } from './hub-env.js';
import { missingHubFiles } from './hub-files.js';
import { type HubRef, isCommitHash, parseHubId } from './hub-id.js';

/** Options of `resolveModelPath`. */
export interface ResolveModelPathOptions {
  /** Resolves relative directories. Default: `process.cwd()`. */
  readonly cwd?: string;
  /** Receives download progress lines and notes. Default: stderr. */
  readonly log?: (line: string) => void;
  /** Hub settings. Default: `hubEnv()` from the process environment. */
  readonly env?: HubEnv;
}

/**
 * The local directory a model or adapter reference names: an existing path (always wins),
 * else a Hugging Face Hub id `org/name[@revision]` resolved through the standard Hugging Face
 * cache (`HF_HUB_CACHE` / `HF_HOME/hub` / `~/.cache/huggingface/hub`), downloading the files
 * peftkit needs into it unless `HF_HUB_OFFLINE` is set. Anything else is returned as the
 * resolved path, so the caller's usual "not a directory" error names it.
 *
 * @example
 * const dir = await resolveModelPath('google-bert/bert-base-uncased@main'); // .../snapshots/<sha>
 */
export async function resolveModelPath(spec: string, options: ResolveModelPathOptions = {}): Promise<string> {
  const local = path.resolve(options.cwd ?? process.cwd(), spec);
  if (await pathExists(local)) return local;
  const ref = parseHubId(spec);
  if (!ref) return local;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return resolveHubSnapshot(ref, options.env ?? hubEnv(), log);
}

async function resolveHubSnapshot(ref: HubRef, env: HubEnv, log: (line: string) => void): Promise<string> {
  const name = `${ref.repo}@${ref.revision}`;
  const folder = hubRepoFolder(env.cacheDir, ref.repo);
  const cached = await cachedSnapshot(folder, ref.revision);
  if (env.offline) {
    if (cached && cached.missing.length === 0) return cached.dir;
    const what = cached
      ? `snapshot ${cached.dir} lacks ${cached.missing.join(', ')}`
      : `no snapshot for revision '${ref.revision}' in ${folder}`;
    throw new UserError(
      `${spec(ref)}: no such local directory, and HF_HUB_OFFLINE is set: ${what}; download it (unset HF_HUB_OFFLINE) or pass a directory`,
    );
  }
  // A pinned commit that is complete in the cache is immutable: no need to ask the Hub.
  if (cached && cached.missing.length === 0 && isCommitHash(ref.revision)) return cached.dir;
  let dir: string;
  try {
    ({ dir } = await downloadHubSnapshot(ref, env, folder, log));
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (err instanceof HubApiError) throw hubError(ref, env, err);
    // Network unreachable: a complete cached snapshot still serves, as huggingface_hub does.
    if (cached && cached.missing.length === 0) {
      log(
        `note: ${env.endpoint} unreachable (${(err as Error).message}); using the cached ${name} (${cached.dir})`,
      );
      return cached.dir;
    }
    throw new UserError(
      `${spec(ref)}: no such local directory, and the Hub at ${env.endpoint} is unreachable (${(err as Error).message}); nothing usable is cached in ${folder}`,
      2,
      { cause: err },
    );
  }
  const after = await cachedSnapshot(folder, ref.revision);
  if (!after || after.missing.length > 0) {
    throw new UserError(
      `${spec(ref)}: the repository has no ${after?.missing.join(', ') ?? 'config.json or adapter_config.json'} (peftkit reads safetensors weights, not *.bin)`,
    );
  }
  return dir;
}

function spec(ref: HubRef): string {
  return ref.revision === 'main' ? ref.repo : `${ref.repo}@${ref.revision}`;
}

function hubError(ref: HubRef, env: HubEnv, err: HubApiError): UserError {
  const status = err.statusCode;
  const why =
    status === 401 || status === 403
      ? `access denied (${status}): no such repository, or it is private or gated; ${env.token ? 'HF_TOKEN has no access to it' : 'set HF_TOKEN if it is yours'}`
      : status === 404
        ? `no model repository '${ref.repo}' with revision '${ref.revision}' (404)`
        : `HTTP ${status}: ${err.message}`;
  return new UserError(
    `${spec(ref)}: no such local directory, and on the Hub at ${env.endpoint}: ${why}`,
    2,
    {
      cause: err,
    },
  );
}

/** The cached snapshot of a revision and what it lacks, or undefined when the revision is not cached. */
async function cachedSnapshot(
  folder: string,
  revision: string,
): Promise<{ dir: string; missing: string[] } | undefined> {
  const sha = await cachedCommit(folder, revision);
  if (!sha) return undefined;
  const dir = path.join(folder, 'snapshots', sha);
  if (!(await isDirectory(dir))) return undefined;
  const files = await snapshotFiles(dir);
  return { dir, missing: missingHubFiles(files, await indexShards(dir).catch(() => [])) };
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

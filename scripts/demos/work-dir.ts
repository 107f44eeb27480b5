import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { UserError } from '@peftkit/core';

/** Marks a work dir as a demo's own, so a rerun may wipe it and nothing else. */
const MARKER = '.peftkit-demo';

/**
 * Empties `dir` for a fresh demo run: refuses a non-empty directory the demos did not write
 * (a mistyped `--work` must never delete someone's files), then recreates it with the marker.
 * Entries named in `keep` (a cache a rerun reuses) survive.
 */
export async function prepareWorkDir(dir: string, demo: string, keep: readonly string[] = []): Promise<void> {
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  if (entries.length && !entries.includes(MARKER)) {
    throw new UserError(`${dir} exists and was not written by the demo; choose another --work dir`);
  }
  for (const entry of entries) {
    if (!keep.includes(entry)) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
  }
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, MARKER), `written by \`pnpm demo ${demo}\`; safe to delete\n`);
}

/** Writes `value` as a pretty JSON config file for `peftkit --config`. */
export async function writeConfigFile(file: string, value: Record<string, unknown>): Promise<void> {
  await fs.writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

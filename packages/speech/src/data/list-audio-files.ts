import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { UserError } from '@peftkit/core';
import { isAudioPath } from './audio-example.js';

/** Audio files under `dir` (recursive, sorted, hidden entries skipped), as absolute paths. */
export async function listAudioFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: Error) => {
    throw new UserError(`cannot read folder ${dir}: ${err.message}`, 2, { cause: err });
  });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.resolve(dir, e.name);
    if (e.isDirectory()) out.push(...(await listAudioFiles(p)));
    else if (e.isFile() && isAudioPath(e.name)) out.push(p);
  }
  return out.sort();
}

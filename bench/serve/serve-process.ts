import * as path from 'node:path';
import { ServeProcess } from '../../packages/core/src/serve/testing/serve-process.js';
import { REPO_ROOT } from './text-adapters.js';

export { ServeProcess };

const BIN = path.join(REPO_ROOT, 'packages', 'core', 'bin', 'peftkit.js');

/**
 * `peftkit serve --port 0 <args>` from the repository root (the workspace's plugins are
 * discovered there), waited for up to 60 s.
 */
export function startServe(args: readonly string[]): Promise<ServeProcess> {
  return ServeProcess.start({ bin: BIN, args, cwd: REPO_ROOT, timeoutMs: 60_000 });
}

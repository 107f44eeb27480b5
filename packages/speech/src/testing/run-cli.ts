import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root: the CLI runs from there and finds @peftkit/speech by workspace discovery. */
export const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const BIN = path.join(REPO_ROOT, 'packages', 'core', 'bin', 'peftkit.js');
const run = promisify(execFile);

/** How a `peftkit` child process ended. */
export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `peftkit` binary in a child process; never throws on a non-zero exit. The tests'
 * own timeouts are generous (minutes) because the shared CI machines run many processes at once:
 * they stop a hang, they do not measure speed.
 */
export async function peftkitRaw(args: readonly string[], timeout = 120_000): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      timeout,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs `peftkit <args>` (which should include `--json`) and parses its stdout; a failure throws with stderr. */
export async function peftkitJson(args: readonly string[]): Promise<Record<string, unknown>> {
  const r = await peftkitRaw(args);
  if (r.code !== 0) throw new Error(`peftkit ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

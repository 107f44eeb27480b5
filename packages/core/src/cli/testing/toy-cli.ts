import type { DomainPlugin } from '../../plugin/domain-plugin.js';
import { toyPlugin } from '../../plugin/testing/toy-plugin.js';
import { captureOutput } from '../capture-output.js';
import { runCli } from '../main.js';

/** What one in-process CLI call printed, and its exit code. */
export interface ToyCliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `peftkit <argv>` in this process with the toy plugin (and any others given), plugin
 * discovery off, its output captured: the CLI tests' way of calling the CLI without spawning.
 */
export async function runToyCli(
  argv: string[],
  plugins: readonly DomainPlugin[] = [toyPlugin],
): Promise<ToyCliResult> {
  const r = await captureOutput(() => runCli(argv, { plugins, discover: false }));
  return { code: r.result, stdout: r.stdout, stderr: r.stderr };
}

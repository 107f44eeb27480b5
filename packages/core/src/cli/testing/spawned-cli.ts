import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real `peftkit` binary in a child process, for the end-to-end tests of core and the domain
 * plugins (tests only; not part of core's public API). Under the test suite the child loads the
 * sources through scripts/ts-loader (see bin/peftkit.js), which starts it faster than tsx.
 */

/** The repository root: the default working directory, where workspace discovery finds the plugins. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../..', import.meta.url));
/** `packages/core/bin/peftkit.js`. */
export const PEFTKIT_BIN = path.join(REPO_ROOT, 'packages', 'core', 'bin', 'peftkit.js');

/**
 * Global flags that load only the plugin package in `packageDir`. A child that discovers the
 * repository's workspace imports every plugin in it (five: about 1 s of CPU at each start); the
 * end-to-end tests keep one discovering child per domain, as a user's install finds the plugin,
 * and start the others with these flags.
 */
export const onlyPlugin = (packageDir: string): readonly string[] => [
  '--plugin',
  packageDir,
  '--no-discover',
];

/** How a `peftkit` child process ended. */
export interface CliOutcome {
  /** The exit code; -1 when it was killed (timeout) before exiting. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run the binary. */
export interface SpawnedCliOptions {
  /** Global flags before the command, e.g. `['--plugin', packageDir, '--no-discover']`. */
  readonly globalArgs?: readonly string[];
  /** Working directory; the repository root by default. */
  readonly cwd?: string;
  /** Added to the inherited environment, e.g. `{ PEFTKIT_BACKEND: 'cpu' }`. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Kills a hung child after this many ms (default 120 000): shared CI machines run many processes
   * at once, so this stops a hang; it does not measure speed.
   */
  readonly timeoutMs?: number;
}

/** `peftkit` with fixed options: three ways to run one command. */
export interface SpawnedCli {
  /** Runs `peftkit <args>`; never throws on a non-zero exit. */
  run(args: readonly string[]): Promise<CliOutcome>;
  /** Runs `peftkit <args>`; a non-zero exit throws naming the command, the exit code and stderr. */
  ok(args: readonly string[]): Promise<CliOutcome>;
  /** Runs `peftkit <args>` (which should include `--json`) and parses its stdout, as `ok` otherwise. */
  json<T = Record<string, unknown>>(args: readonly string[]): Promise<T>;
}

/**
 * The binary with these options.
 *
 * @example
 * const cli = spawnedCli({ globalArgs: ['--plugin', packageDir, '--no-discover'], env: { PEFTKIT_BACKEND: 'cpu' } });
 * const trained = await cli.json(['train', '--json', '--preset', 'vision/medical-imaging', ...]);
 */
export function spawnedCli(options: SpawnedCliOptions = {}): SpawnedCli {
  const run = (args: readonly string[]): Promise<CliOutcome> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [PEFTKIT_BIN, ...(options.globalArgs ?? []), ...args],
        {
          cwd: options.cwd ?? REPO_ROOT,
          env: { ...process.env, ...options.env },
          timeout: options.timeoutMs ?? 120_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const ok = async (args: readonly string[]): Promise<CliOutcome> => {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`peftkit ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
    return r;
  };
  return {
    run,
    ok,
    json: async <T>(args: readonly string[]) => JSON.parse((await ok(args)).stdout) as T,
  };
}

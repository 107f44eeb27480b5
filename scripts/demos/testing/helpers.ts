import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { captureOutput, createPeftkit, type DomainPlugin, type RunConfig, runCli } from '@peftkit/core';
import { expect } from 'vitest';
import { type CliStep, resolveStep, stepArgv } from '../cli-step.js';
import { ROOT } from '../demo-cli.js';

/** Runs `fn` with stdout and stderr captured (a demo's entry point, in-process). */
export async function captureDemo(
  fn: () => Promise<number>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { result: code, stdout, stderr } = await captureOutput(fn);
  return { code, stdout, stderr };
}

/** `markdown` as the repository's formatter (Biome) would write it into docs/results.md. */
export function biomeFormatted(markdown: string): string {
  const biome = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'biome'),
    ['format', '--stdin-file-path=docs/results.md'],
    { input: markdown, encoding: 'utf8' },
  );
  return biome.stdout;
}

/** SHA-256 of a file, or `missing`: proves a test left a file alone. */
export async function fingerprint(file: string): Promise<string> {
  const bytes = await fs.readFile(file).catch(() => null);
  return bytes ? createHash('sha256').update(bytes).digest('hex') : 'missing';
}

/**
 * A step resolved both ways: in-process as the demo does (`ours`), and by the real CLI from the
 * printed command line (`peftkit config --json <argv>` run from the repository root).
 */
export async function resolveBothWays(
  step: CliStep,
  plugins: readonly DomainPlugin[],
): Promise<{ ours: RunConfig; cli: RunConfig }> {
  const host = await createPeftkit({ plugins: [...plugins] });
  const ours = await resolveStep(host, step);
  const printed = await captureDemo(() =>
    runCli(['config', '--json', ...stepArgv(step, ROOT).slice(1)], {
      plugins: [...plugins],
      discover: false,
      cwd: ROOT,
    }),
  );
  expect(printed.code, printed.stderr).toBe(0);
  return { ours, cli: JSON.parse(printed.stdout) as RunConfig };
}

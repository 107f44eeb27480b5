import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToyCliSandbox, ENDLESS_TOY_TRAIN, type ToyCliSandbox } from './testing/toy-cli-process.js';

/**
 * Ctrl-C and `kill` on the real `peftkit` binary: a child process trains the toy preset (loaded
 * with `--plugin`) and gets SIGINT/SIGTERM mid-run.
 */
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const slowRun = fileURLToPath(new URL('./testing/never-ending-step.ts', import.meta.url));

let cli: ToyCliSandbox;
beforeAll(async () => {
  cli = await createToyCliSandbox('peftkit-interrupt-');
});
afterAll(async () => {
  await cli.dispose();
});

describe('SIGTERM and a second Ctrl-C', () => {
  it('SIGTERM exits 143; a second signal aborts at once', async () => {
    const term = cli.start([...ENDLESS_TOY_TRAIN, '--out', path.join(cli.dir, 'term')], /step 5\b/);
    await term.started;
    term.child.kill('SIGTERM');
    expect((await term.done).code).toBe(143);

    // A step of the toy model is too short to catch, so the second signal goes to a stand-in
    // whose "step" never ends: the same handler must exit at once.
    const twice = spawn(process.execPath, ['--import', 'tsx', slowRun], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const seen = (re: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => re.test(stderr) && resolve();
        twice.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
          check();
        });
        check();
      });
    await seen(/ready/);
    const t0 = performance.now();
    twice.kill('SIGINT');
    await seen(/finishing the current step/);
    twice.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => twice.on('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain('peftkit: SIGINT again: aborting without a checkpoint');
    expect(performance.now() - t0).toBeLessThan(5000);
  }, 60_000);
});

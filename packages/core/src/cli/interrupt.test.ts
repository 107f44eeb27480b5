import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyPlugin } from '../plugin/testing/toy-plugin.js';
import { captureOutput } from './capture-output.js';
import { runCli } from './main.js';
import { createToyCliSandbox, ENDLESS_TOY_TRAIN, type ToyCliSandbox } from './testing/toy-cli-process.js';

/**
 * Ctrl-C and `kill` on the real `peftkit` binary: a child process trains the toy preset (loaded
 * with `--plugin`) and gets SIGINT/SIGTERM mid-run.
 */

let cli: ToyCliSandbox;
beforeAll(async () => {
  cli = await createToyCliSandbox('peftkit-interrupt-');
});
afterAll(async () => {
  await cli.dispose();
});

describe('SIGINT during train', () => {
  it('SIGINT finishes the step, writes a checkpoint, marks the run interrupted, prints the resume command, exits 130', async () => {
    const out = path.join(cli.dir, 'run');
    const p = cli.start([...ENDLESS_TOY_TRAIN, '--out', out], /step 5\b/);
    await p.started;
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('peftkit: SIGINT: finishing the current step and writing a checkpoint');
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8'));
    expect(manifest.status).toBe('interrupted');
    const state = JSON.parse(
      await fs.readFile(path.join(out, 'checkpoints', 'last', 'trainer_state.json'), 'utf8'),
    );
    expect(manifest.failure.step).toBe(state.step);
    expect(state.step).toBeGreaterThanOrEqual(5);
    const last = r.stderr.trim().split('\n').at(-1);
    expect(last).toBe(
      `peftkit: interrupted by SIGINT after step ${state.step}; checkpoint written to run/checkpoints/last; ` +
        `resume with: peftkit --plugin ${cli.plugin} --no-discover train --resume run`,
    );

    // The printed command works (run in-process to spare a second start-up): it continues from that step.
    const resumed = await captureOutput(() =>
      runCli(['train', '--json', '--resume', out, '--max-steps', String(state.step + 2)], {
        plugins: [toyPlugin],
        discover: false,
      }),
    );
    expect(resumed.result, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).summary.resumedFromStep).toBe(state.step);
    expect(JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8')).status).toBe('complete');
  }, 60_000);
});

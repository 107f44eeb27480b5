import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyPlugin } from '../plugin/testing/toy-plugin.js';
import { captureOutput } from './capture-output.js';
import { runCli } from './main.js';

/**
 * Ctrl-C and `kill` on the real `peftkit` binary: a child process trains the toy preset (loaded
 * with `--plugin`) and gets SIGINT/SIGTERM mid-run.
 */
const bin = fileURLToPath(new URL('../../bin/peftkit.js', import.meta.url));
const toyModule = fileURLToPath(new URL('../plugin/testing/toy-plugin.ts', import.meta.url));

let tmp: string;
let plugin: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-interrupt-'));
  plugin = path.join(tmp, 'toy.mjs');
  await fs.writeFile(plugin, `export { toyPlugin as default } from ${JSON.stringify(toyModule)};\n`);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `peftkit <args>`; resolves `started` once `ready` matches stderr, `done` at exit. */
function start(
  args: string[],
  ready: RegExp,
): { child: ChildProcess; started: Promise<void>; done: Promise<Finished> } {
  const child = spawn(process.execPath, [bin, '--no-discover', '--plugin', plugin, ...args], {
    cwd: tmp,
    env: { ...process.env, PEFTKIT_BACKEND: 'cpu' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (ready.test(stderr)) onReady();
  });
  const done = new Promise<Finished>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  void done.then(() => onReady());
  return { child, started, done };
}

const long = [
  'train',
  '--preset',
  'toy/basic',
  '--data',
  'toy:4096',
  '--max-steps',
  '100000',
  '--set',
  'training.logEvery=5',
];

describe('SIGINT during train', () => {
  it('SIGINT finishes the step, writes a checkpoint, marks the run interrupted, prints the resume command, exits 130', async () => {
    const out = path.join(tmp, 'run');
    const p = start([...long, '--out', out], /step 5\b/);
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
        `resume with: peftkit --plugin ${plugin} --no-discover train --resume run`,
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

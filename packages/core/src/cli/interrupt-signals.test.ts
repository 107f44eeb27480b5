import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Ctrl-C and `kill` on the real `peftkit` binary: a child process trains the toy preset (loaded
 * with `--plugin`) and gets SIGINT/SIGTERM mid-run.
 */
const bin = fileURLToPath(new URL('../../bin/peftkit.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const slowRun = fileURLToPath(new URL('./testing/never-ending-step.ts', import.meta.url));
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

describe('SIGTERM and a second Ctrl-C', () => {
  it('SIGTERM exits 143; a second signal aborts at once', async () => {
    const term = start([...long, '--out', path.join(tmp, 'term')], /step 5\b/);
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

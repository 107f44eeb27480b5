import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/peftkit.js', import.meta.url));
const toyModule = fileURLToPath(new URL('../../plugin/testing/toy-plugin.ts', import.meta.url));

/** What a spawned `peftkit` printed and how it exited. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A spawned `peftkit`: `started` resolves once `ready` matches its stderr (or at exit), `done` at exit. */
export interface StartedCli {
  child: ChildProcess;
  started: Promise<void>;
  done: Promise<Finished>;
}

/** A temp directory holding the toy plugin as a `--plugin` module, and `peftkit` runs started in it. */
export interface ToyCliSandbox {
  readonly dir: string;
  /** The `--plugin` module path, as printed in resume commands. */
  readonly plugin: string;
  start(args: readonly string[], ready: RegExp): StartedCli;
  dispose(): Promise<void>;
}

/** `train` of the toy preset that runs until a signal stops it, logging every 5 steps. */
export const ENDLESS_TOY_TRAIN: readonly string[] = [
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

/** Makes the sandbox: the real binary on the cpu backend, the toy plugin loaded with `--plugin`. */
export async function createToyCliSandbox(prefix: string): Promise<ToyCliSandbox> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const plugin = path.join(dir, 'toy.mjs');
  await fs.writeFile(plugin, `export { toyPlugin as default } from ${JSON.stringify(toyModule)};\n`);
  const start = (args: readonly string[], ready: RegExp): StartedCli => {
    const child = spawn(process.execPath, [bin, '--no-discover', '--plugin', plugin, ...args], {
      cwd: dir,
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
  };
  return { dir, plugin, start, dispose: () => fs.rm(dir, { recursive: true, force: true }) };
}

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@peftkit/core';
import { SOAK_DATA, SOAK_PRESET, TABULAR_PLUGIN } from './train-soak.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repoRoot, 'packages', 'core', 'bin', 'peftkit.js');

/** Files whose bytes must be the same after any number of kills and resumes. */
export const COMPARED_FILES = [
  'adapter_model.safetensors',
  'checkpoints/last/trainable.safetensors',
  'checkpoints/last/optimizer.safetensors',
] as const;

export interface KillLoopResult {
  steps: number;
  /** The step whose progress line triggered each kill -9 (the process may have run a little further). */
  killedAfter: number[];
  /** How each restart went: `resume` from a checkpoint, or `rerun` (killed before the first one). */
  restarts: ('resume' | 'rerun')[];
  identical: Record<string, boolean>;
  seconds: number;
}

interface Child {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function peftkit(args: readonly string[], onStderr?: (text: string) => void): Child {
  const child = spawn(process.execPath, [bin, '--no-discover', '--plugin', TABULAR_PLUGIN, ...args], {
    cwd: repoRoot,
    env: { ...process.env, PEFTKIT_BACKEND: process.env['PEFTKIT_BACKEND'] ?? 'cpu' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

async function mustSucceed(c: Child, what: string): Promise<void> {
  const r = await c.done;
  if (r.code !== 0)
    throw new Error(`soak: ${what} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').at(-1)}`);
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/**
 * Trains the same run twice through the real CLI: once straight through (the reference), once
 * killed with SIGKILL after seeded random steps and restarted each time the way a user would
 * (`train --resume` when a checkpoint exists, else the same command again, which reruns the run
 * in place), and compares the final adapter and checkpoint bytes.
 */
export async function killLoop(o: {
  steps: number;
  kills: number;
  seed: number;
  checkpointEvery?: number;
  dir?: string;
}): Promise<KillLoopResult> {
  const t0 = performance.now();
  const dir = o.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-killloop-')));
  const rng = new Rng(o.seed);
  const every = o.checkpointEvery ?? 5;
  const train = (out: string) => [
    'train',
    '--preset',
    SOAK_PRESET,
    '--data',
    SOAK_DATA,
    '--max-steps',
    String(o.steps),
    '--set',
    `training.evalEvery={steps: ${every}}`,
    '--set',
    'training.logEvery=1',
    // Dropout draws from the RNG every step: a resume must restore it exactly.
    '--set',
    'peft.loraDropout=0.1',
    '--out',
    out,
  ];
  const reference = path.join(dir, 'reference');
  const killed = path.join(dir, 'killed');
  try {
    const ref = peftkit(train(reference));
    const killedAfter: number[] = [];
    const restarts: ('resume' | 'rerun')[] = [];
    let first = true;
    const targets = Array.from({ length: o.kills }, () => 1 + rng.int(o.steps - 1)).sort((a, b) => a - b);
    for (const target of targets) {
      const resume = !first && (await exists(path.join(killed, 'checkpoints', 'last', 'trainer_state.json')));
      if (!first) restarts.push(resume ? 'resume' : 'rerun');
      first = false;
      let sent: number | undefined;
      const c = peftkit(resume ? ['train', '--resume', killed] : train(killed), (text) => {
        const m = [...text.matchAll(/^step (\d+)\//gm)].at(-1);
        if (sent === undefined && m && Number(m[1]) >= target) {
          sent = Number(m[1]);
          c.child.kill('SIGKILL');
        }
      });
      const r = await c.done;
      if (sent !== undefined) killedAfter.push(sent);
      else if (r.code !== 0)
        throw new Error(`soak: killed run exited ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
      else break; // it finished before reaching the target (resumed past it)
    }
    const resume = await exists(path.join(killed, 'checkpoints', 'last', 'trainer_state.json'));
    const complete = await fs
      .readFile(path.join(killed, 'peftkit-run.json'), 'utf8')
      .then((t) => JSON.parse(t).status === 'complete')
      .catch(() => false);
    if (!complete) {
      restarts.push(resume ? 'resume' : 'rerun');
      await mustSucceed(peftkit(resume ? ['train', '--resume', killed] : train(killed)), 'the last restart');
    }
    await mustSucceed(ref, 'the reference run');
    const identical: Record<string, boolean> = {};
    for (const f of COMPARED_FILES) {
      const [a, b] = await Promise.all([
        fs.readFile(path.join(reference, f)),
        fs.readFile(path.join(killed, f)),
      ]);
      identical[f] = a.equals(b);
    }
    return { steps: o.steps, killedAfter, restarts, identical, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (!o.dir) await fs.rm(dir, { recursive: true, force: true });
  }
}

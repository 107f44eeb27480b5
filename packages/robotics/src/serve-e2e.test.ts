import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLeRobotDataset } from './data/lerobot-writer.js';
import { makeExpert } from './experts/make-expert.js';
import { collectDemonstrations } from './rollout/collect-demonstrations.js';

/**
 * `peftkit serve` with a robotics adapter: observation JSON objects in the request body reach
 * the policy's preprocessor through the plugin host (the server knows nothing of robots), and
 * the answers equal `peftkit predict` for the same observations.
 */
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const bin = path.join(repoRoot, 'packages', 'core', 'bin', 'peftkit.js');
const heavyDemos = fileURLToPath(new URL('../test-data/cartpole-heavy-pole', import.meta.url));
const exec = promisify(execFile);
const env = { ...process.env, PEFTKIT_BACKEND: 'cpu' };

async function peftkit(args: string[]): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await exec(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
      env,
    });
    return JSON.parse(stdout);
  } catch (err) {
    const e = err as { code?: number; stderr?: string; message: string };
    throw new Error(`peftkit ${args.join(' ')} failed (exit ${e.code}): ${e.stderr ?? e.message}`);
  }
}

const observations = [0.1, -0.05, 0.2].map((angle) => ({
  'observation.state': [0, Math.cos(angle), Math.sin(angle), 0.1, -angle],
}));

let tmp: string;
let adapters: string;
let server: ChildProcess | undefined;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-robotics-serve-'));
  adapters = path.join(tmp, 'adapters');
  using expert = await makeExpert({ id: 'cartpole' });
  const source = await collectDemonstrations({ id: 'cartpole' }, expert, { episodes: 4, actionNoise: 0.2 });
  await writeLeRobotDataset(path.join(tmp, 'source'), source);
  const base = path.join(tmp, 'base');
  await peftkit([
    'pretrain',
    '--json',
    '--preset',
    'robotics/behavior-cloning',
    '--data',
    path.join(tmp, 'source'),
    '--set',
    'model.config={hidden_size: 32, num_layers: 1}',
    '--max-steps',
    '4',
    '--out',
    base,
  ]);
  await peftkit([
    'train',
    '--json',
    '--preset',
    'robotics/dynamics-shift',
    '--base',
    base,
    '--data',
    heavyDemos,
    '--max-steps',
    '4',
    '--out',
    path.join(adapters, 'heavy'),
  ]);
});
afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await fs.rm(tmp, { recursive: true, force: true });
});

async function startServer(): Promise<string> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--adapters', adapters], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server = child;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/[^ ]+)/.exec(stderr);
    if (m) return m[1] as string;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start: ${stderr}`);
}

describe('peftkit serve with a robotics policy adapter', () => {
  it('takes observation JSON objects and answers as peftkit predict does', async () => {
    const predicted = await peftkit([
      'predict',
      '--json',
      '--adapter',
      path.join(adapters, 'heavy'),
      '--',
      ...observations.map((o) => JSON.stringify(o)),
    ]);
    const want = predicted['predictions'] as { value: number[] }[];
    const url = await startServer();
    const res = await fetch(`${url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ adapter: 'heavy', inputs: observations }),
    });
    const body = (await res.json()) as {
      predictions: { input: unknown; adapter: string; value: number[] }[];
    };
    expect(res.status).toBe(200);
    expect(body.predictions).toHaveLength(observations.length);
    for (const [i, p] of body.predictions.entries()) {
      expect(p.input).toEqual(observations[i]);
      expect(p.adapter).toBe('heavy');
      expect(p.value).toHaveLength((want[i] as { value: number[] }).value.length);
      for (const [j, v] of p.value.entries()) expect(v).toBeCloseTo(want[i]?.value[j] as number, 5);
    }
    // The policy's own validation names the input: an object without its observation key.
    const bad = await fetch(`${url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ adapter: 'heavy', inputs: [{ wrong: [1, 2] }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^inputs\[0\]: /);
    server?.kill('SIGTERM');
  });
});

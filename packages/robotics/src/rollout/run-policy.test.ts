import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureOutput, createPeftkit, type LoadedRun, loadRun, runCli } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLeRobotDataset } from '../data/lerobot-writer.js';
import { makeExpert } from '../experts/make-expert.js';
import { roboticsPlugin } from '../plugin.js';
import { collectDemonstrations } from './collect-demonstrations.js';
import { runPolicy } from './run-policy.js';
import { runRollouts } from './run-rollouts.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const spec = { id: 'cartpole', maxSteps: 120, successSteps: 40 } as const;
let dir: string;
let run: LoadedRun;

beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'run-policy-'));
  using expert = await makeExpert(spec);
  const demos = await collectDemonstrations(spec, expert, { episodes: 12, actionNoise: 0.2 });
  await writeLeRobotDataset(path.join(dir, 'demos'), demos);
  const argv = ['--plugin', packageDir, '--no-discover', 'pretrain', '--preset', 'robotics/behavior-cloning'];
  const { result, stderr } = await captureOutput(() =>
    runCli([
      ...argv,
      '--data',
      path.join(dir, 'demos'),
      '--set',
      'model.config={hidden_size: 32, num_layers: 2}',
      '--epochs',
      '8',
      '--out',
      path.join(dir, 'base'),
    ]),
  );
  if (result !== 0) throw new Error(stderr);
  const host = await createPeftkit({ plugins: [roboticsPlugin] });
  run = await loadRun(host, path.join(dir, 'base'));
}, 60_000);
afterAll(async () => {
  run?.model.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('runPolicy', () => {
  it('acts in the env like the expert it was cloned from, the same whatever the batching', async () => {
    const one = await runRollouts(spec, runPolicy(run), { episodes: 4, seedStart: 50, parallel: 1 });
    const four = await runRollouts(spec, runPolicy(run), { episodes: 4, seedStart: 50, parallel: 4 });
    expect(four.per_episode.map((e) => e.length)).toEqual(one.per_episode.map((e) => e.length));
    for (const [i, e] of four.per_episode.entries())
      expect(e.sum_reward).toBeCloseTo(one.per_episode[i]!.sum_reward, 3);
    // Actions are in robot units: close to what the expert does in the states the policy visits.
    using expert = await makeExpert(spec);
    const traj = one.trajectories[0]!;
    const policyActs = traj.actions.map((a) => a[0]!);
    const expertActs = traj.observations.slice(0, -1).map((o) => expert.act(o)[0]!);
    const err = policyActs.reduce((s, a, t) => s + Math.abs(a - expertActs[t]!), 0) / policyActs.length;
    const scale = expertActs.reduce((s, a) => s + Math.abs(a), 0) / expertActs.length;
    expect(err).toBeLessThan(scale);
  });

  it('leaks no tensors across steps', async () => {
    const policy = runPolicy(run);
    const obs = [Float64Array.of(0, 1, 0, 0, 0), Float64Array.of(0.1, 0.99, 0.1, 0, 0)];
    await policy.actBatch(obs, [0, 1]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await policy.actBatch(obs, [0, 1]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an env whose observation width differs from the run, naming both', async () => {
    await expect(runRollouts({ id: 'reacher' }, runPolicy(run), { episodes: 1 })).rejects.toThrow(
      /expects 'observation.state' of 5 values; the env observation has \d+/,
    );
  });
});

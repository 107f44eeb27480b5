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
import { rolloutEvaluator, rolloutEvaluatorOptions } from './rollout-evaluator.js';
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

describe('robotics/rollout evaluator', () => {
  const evaluate = (options: unknown) =>
    rolloutEvaluator.evaluate(run, rolloutEvaluatorOptions.parse(options), { log: () => {} });

  it('reports LeRobot metrics that depend only on the run, env and seeds, with eval_info.json and a plot', async () => {
    const options = { env: { ...spec, poleMass: 0.8 }, episodes: 5, seedStart: 20, plots: 2 };
    const first = await evaluate(options);
    const second = await evaluate({ ...options, parallel: 2 });
    expect(Object.keys(first.metrics).sort()).toEqual([
      'avg_length',
      'avg_max_reward',
      'avg_sum_reward',
      'n_episodes',
      'pc_success',
      'std_max_reward',
      'std_sum_reward',
    ]);
    expect(first.metrics['n_episodes']).toBe(5);
    expect(first.metrics['pc_success']! % 20).toBe(0);
    expect(second.metrics['pc_success']).toBe(first.metrics['pc_success']);
    expect(second.metrics['avg_length']).toBe(first.metrics['avg_length']);
    expect(second.metrics['avg_sum_reward']).toBeCloseTo(first.metrics['avg_sum_reward']!, 3);
    expect(first.files?.map((f) => f.name)).toEqual(['eval_info.json', 'pole-angle.svg']);
    const info = JSON.parse(first.files![0]!.content as string);
    expect(Object.keys(info)).toEqual(['per_episode', 'aggregated']);
    expect(info.per_episode.map((e: { seed: number }) => e.seed)).toEqual([20, 21, 22, 23, 24]);
    expect(info.aggregated.pc_success).toBe(first.metrics['pc_success']);
    expect(new Set((first.files![1]!.content as string).match(/Pole angle, seed \d+/g))).toEqual(
      new Set(['Pole angle, seed 20', 'Pole angle, seed 21']),
    );
    expect((first.details as { env: { poleMass: number } }).env.poleMass).toBe(0.8);
  });

  it('names a bad env field', async () => {
    await expect(evaluate({ env: { id: 'cartpole', poleMas: 1 }, episodes: 1 })).rejects.toThrow(
      /options\.env/,
    );
  });
});

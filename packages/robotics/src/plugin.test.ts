import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureOutput, runCli } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Episode, EpisodeSet } from './data/episode.js';
import { writeLeRobotDataset } from './data/lerobot-writer.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

async function peftkit(argv: string[]): Promise<{ result: Record<string, unknown>; stderr: string }> {
  const {
    result: code,
    stdout,
    stderr,
  } = await captureOutput(() =>
    runCli(['--plugin', packageDir, '--no-discover', argv[0] as string, '--json', ...argv.slice(1)]),
  );
  if (code !== 0) throw new Error(`peftkit ${argv.join(' ')} exited ${code}: ${stderr}`);
  return { result: JSON.parse(stdout), stderr };
}

/**
 * Episodes of a point mass under a linear controller `u = -k x - 0.5 v`; a larger `k` plays the
 * part of a changed robot that needs a different action for the same state.
 */
function controllerEpisodes(k: number, count: number, seed: number): EpisodeSet {
  const episodes: Episode[] = [];
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let e = 0; e < count; e++) {
    const length = 20;
    const state = new Float32Array(length * 2);
    const action = new Float32Array(length);
    let x = rand() * 4 - 2;
    let v = rand() * 2 - 1;
    for (let t = 0; t < length; t++) {
      const u = -k * x - 0.5 * v;
      state.set([x, v], t * 2);
      action[t] = u;
      v += 0.05 * u;
      x += 0.05 * v;
    }
    episodes.push({ index: e, length, features: { 'observation.state': state, action } });
  }
  return {
    source: 'controller',
    fps: 20,
    features: { 'observation.state': { dim: 2 }, action: { dim: 1 } },
    episodes,
    skipped: [],
  };
}

let dir: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-robotics-'));
  await writeLeRobotDataset(path.join(dir, 'source'), controllerEpisodes(2, 40, 1));
  await writeLeRobotDataset(path.join(dir, 'target'), controllerEpisodes(4, 8, 2), { version: 'v3.0' });
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('robotics plugin through the peftkit CLI', () => {
  it('clones a controller from a LeRobot dataset, adapts it with LoRA to a changed one, predicts in robot units', async () => {
    const base = path.join(dir, 'base');
    await peftkit([
      'pretrain',
      '--preset',
      'robotics/behavior-cloning',
      '--data',
      path.join(dir, 'source'),
      '--set',
      'model.config={hidden_size: 32, num_layers: 2}',
      '--epochs',
      '40',
      '--out',
      base,
    ]);
    const obs = JSON.stringify({ 'observation.state': [1, 0.5] });
    const before = await peftkit(['predict', '--adapter', base, '--', obs]);
    const [baseAction] = (before.result['predictions'] as { value: number[] }[])[0]!.value;
    // Source controller: -2 * 1 - 0.5 * 0.5 = -2.25 (in robot units: decodePrediction un-normalises).
    expect(baseAction).toBeCloseTo(-2.25, 0);

    const zeroShot = await peftkit(['eval', '--adapter', base, '--data', path.join(dir, 'target')]);
    const out = path.join(dir, 'lora');
    const trained = await peftkit([
      'train',
      '--preset',
      'robotics/dynamics-shift',
      '--data',
      path.join(dir, 'target'),
      '--base',
      base,
      '--set',
      'peft.r=4',
      '--set',
      'peft.loraAlpha=8',
      '--epochs',
      '60',
      '--out',
      out,
    ]);
    // The preset's report rollouts are in cartpole, which this 2-value controller cannot act in:
    // the run stands, the report says why it has no evaluation section.
    expect(trained.stderr).toMatch(
      /warning: report.html has no evaluation section: evaluator 'robotics\/rollout' failed: .*expects 'observation.state' of 2 values; the env observation has 5/,
    );
    const summary = trained.result['summary'] as { trainableParameters: number; totalParameters: number };
    expect(summary.trainableParameters).toBeLessThan(summary.totalParameters / 3);
    const adapted = await peftkit(['eval', '--adapter', out, '--data', path.join(dir, 'target')]);
    const mse = (r: Record<string, unknown>) => (r['metrics'] as { mse: number }).mse;
    expect(mse(adapted.result)).toBeLessThan(mse(zeroShot.result) / 4);
    const after = await peftkit(['predict', '--adapter', out, '--', obs]);
    const [action] = (after.result['predictions'] as { value: number[] }[])[0]!.value;
    // Target controller: -4 * 1 - 0.25 = -4.25; the base said about -2.25.
    expect(Math.abs((action as number) + 4.25)).toBeLessThan(Math.abs((action as number) + 2.25));
    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig.target_modules).toEqual(['linear']);
  });

  it('refuses an observation of the wrong width and a dataset without the action feature, naming them', async () => {
    const base = path.join(dir, 'base');
    await expect(peftkit(['predict', '--adapter', base, '--', '[1, 2, 3]'])).rejects.toThrow(
      /'observation.state' must be 2 finite numbers per frame/,
    );
    await expect(
      peftkit([
        'inspect',
        '--preset',
        'robotics/behavior-cloning',
        '--data',
        path.join(dir, 'source'),
        '--set',
        'preprocess.options.actionKey=torque',
      ]),
    ).rejects.toThrow(/no step feature 'torque' \(available: observation\.state, action\)/);
  });
});

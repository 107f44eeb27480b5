import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnedCli } from '../../core/src/cli/testing/spawned-cli.js';
import { ServeProcess } from '../../core/src/serve/testing/serve-process.js';
import { writeLeRobotDataset } from './data/lerobot-writer.js';
import { makeExpert } from './experts/make-expert.js';
import { collectDemonstrations } from './rollout/collect-demonstrations.js';

/**
 * `peftkit serve` with a robotics adapter: observation JSON objects in the request body reach
 * the policy's preprocessor through the plugin host (the server knows nothing of robots), and
 * the answers equal `peftkit predict` for the same observations.
 */
const heavyDemos = fileURLToPath(new URL('../test-data/cartpole-heavy-pole', import.meta.url));
const env = { PEFTKIT_BACKEND: 'cpu' };
const { json: peftkit } = spawnedCli({ env });

const observations = [0.1, -0.05, 0.2].map((angle) => ({
  'observation.state': [0, Math.cos(angle), Math.sin(angle), 0.1, -angle],
}));

let tmp: string;
let adapters: string;
let server: ServeProcess | undefined;
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
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  await fs.rm(tmp, { recursive: true, force: true });
});

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
    server = await ServeProcess.start({ args: ['--adapters', adapters], env });
    const res = await server.call('POST', '/v1/predict', { adapter: 'heavy', inputs: observations });
    const body = res.json as {
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
    const bad = await server.call('POST', '/v1/predict', { adapter: 'heavy', inputs: [{ wrong: [1, 2] }] });
    expect(bad.status).toBe(400);
    expect(bad.json['error']).toMatch(/^inputs\[0\]: /);
    await server.stop();
  });
});

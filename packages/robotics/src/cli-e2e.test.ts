import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyPlugin, spawnedCli } from '../../core/src/cli/testing/spawned-cli.js';
import { ServeProcess } from '../../core/src/serve/testing/serve-process.js';
import { writeLeRobotDataset } from './data/lerobot-writer.js';
import { makeExpert } from './experts/make-expert.js';
import { collectDemonstrations } from './rollout/collect-demonstrations.js';

/**
 * The acceptance test of the robotics plugin through the real `peftkit` binary (a child process
 * from the repository root that finds @peftkit/robotics by workspace discovery, as a user's
 * install does): behaviour cloning on source-physics cartpole demonstrations, LoRA adaptation to
 * a twice-as-heavy pole from the committed expert dataset, rollouts of the adapted policy in the
 * shifted simulator, and a prediction in robot units. The adapted policy is then served by
 * `peftkit serve`: observation JSON objects in the request body reach the policy's preprocessor
 * through the plugin host (the server knows nothing of robots), and the answers equal
 * `peftkit predict` for the same observations. One pretrain and one adaptation serve both; the
 * commands that only read the adapted run (predict, two evals, the server) start together, as
 * each child process is single-threaded and mostly start-up.
 */
const heavyDemos = fileURLToPath(new URL('../test-data/cartpole-heavy-pole', import.meta.url));
/** The pretraining child finds @peftkit/robotics by workspace discovery; the others load only it. */
const discovered = spawnedCli({ env: { PEFTKIT_BACKEND: 'cpu' } });
const PLUGIN = onlyPlugin(fileURLToPath(new URL('..', import.meta.url)));
const cli = spawnedCli({ env: { PEFTKIT_BACKEND: 'cpu' }, globalArgs: PLUGIN });

async function peftkit(
  args: string[],
  via = cli,
): Promise<{ json: Record<string, unknown>; stderr: string }> {
  const started = performance.now();
  const { stdout, stderr } = await via.ok(args);
  if (process.env['PEFTKIT_E2E_TIMING'])
    process.stderr.write(`${args[0]} ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return { json: JSON.parse(stdout), stderr };
}

const HEAVY = { id: 'cartpole', poleMass: 1 } as const;
const METRICS = [
  'avg_length',
  'avg_max_reward',
  'avg_sum_reward',
  'n_episodes',
  'pc_success',
  'std_max_reward',
  'std_sum_reward',
];

/** The pole leans towards +x: the expert pushes the cart the same way; so should the policy. */
const LEANING = { 'observation.state': [0, Math.cos(0.1), Math.sin(0.1), 0, 0] };
/** What the server is asked, and `peftkit predict` answers too. */
const observations = [0.1, -0.05, 0.2].map((angle) => ({
  'observation.state': [0, Math.cos(angle), Math.sin(angle), 0.1, -angle],
}));

let tmp: string;
let lora: string;
let trained: Awaited<ReturnType<typeof peftkit>>;
let predicted: Awaited<ReturnType<typeof peftkit>>;
/** `eval --evaluator robotics/rollout --options` with its own report folder. */
let adapted: Awaited<ReturnType<typeof peftkit>>;
/** A bare `eval`: the run config's evaluation. */
let again: Awaited<ReturnType<typeof peftkit>>;
let report: string;
let server: ServeProcess | undefined;
/** `peftkit serve` on the adapted run, started beside predict and the evals. */
let serving: Promise<ServeProcess> | undefined;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-robotics-cli-'));
  using expert = await makeExpert({ id: 'cartpole' });
  const source = await collectDemonstrations({ id: 'cartpole' }, expert, { episodes: 8, actionNoise: 0.2 });
  await writeLeRobotDataset(path.join(tmp, 'source'), source);
  const base = path.join(tmp, 'base');
  lora = path.join(tmp, 'lora');
  await peftkit(
    [
      'pretrain',
      '--json',
      '--preset',
      'robotics/behavior-cloning',
      '--data',
      path.join(tmp, 'source'),
      '--set',
      'model.config={hidden_size: 64, num_layers: 2}',
      '--epochs',
      '5',
      '--out',
      base,
    ],
    discovered,
  );
  trained = await peftkit([
    'train',
    '--json',
    '--preset',
    'robotics/dynamics-shift',
    '--base',
    base,
    '--data',
    heavyDemos,
    '--set',
    'evaluation.options.env.poleMass=1',
    '--epochs',
    '6',
    '--out',
    lora,
  ]);
  report = path.join(tmp, 'report');
  // The run under the name it is served by, in a folder of its own (`serve --adapters` serves each run in it).
  const adapters = path.join(tmp, 'adapters');
  await fs.cp(lora, path.join(adapters, 'heavy'), { recursive: true });
  const options = JSON.stringify({ env: HEAVY, episodes: 4 });
  serving = ServeProcess.start({
    args: ['--adapters', adapters],
    globalArgs: PLUGIN,
    env: { PEFTKIT_BACKEND: 'cpu' },
  });
  // afterAll stops it even when a command below fails.
  serving.catch(() => undefined);
  [predicted, adapted, again, server] = await Promise.all([
    peftkit([
      'predict',
      '--json',
      '--adapter',
      lora,
      '--',
      ...[LEANING, ...observations].map((o) => JSON.stringify(o)),
    ]),
    peftkit([
      'eval',
      '--json',
      '--adapter',
      lora,
      '--evaluator',
      'robotics/rollout',
      '--options',
      options,
      '--out',
      report,
    ]),
    peftkit(['eval', '--json', '--adapter', lora, '--options', '{"episodes": 4}']),
    serving,
  ]);
}, 300_000);
afterAll(async () => {
  const started = await serving?.catch(() => undefined);
  if (started && started.child.exitCode === null) started.child.kill('SIGKILL');
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('peftkit CLI on cartpole (robotics e2e)', () => {
  it('pretrains, adapts to a heavier pole from committed demos, rolls out and predicts', async () => {
    expect(trained.json['kind']).toBe('adapter');
    const adapterConfig = JSON.parse(await fs.readFile(path.join(lora, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig.target_modules).toEqual(['linear']); // policy.trunk: every trunk layer's linear
    // The preset's evaluation.report: 3 rollouts in the shifted physics when training ends, plotted
    // in report.html before (adapter off) vs after adaptation, the evaluator's files in eval/.
    const html = await fs.readFile(path.join(lora, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Evaluation: robotics/rollout</h2>');
    expect(html).toContain('<figcaption>pole-angle.svg</figcaption>');
    expect(html).toContain('data-name="before: adapter off"');
    expect(html).toContain('data-name="after: lora"');
    expect(html.match(/Pole angle, seed 100\d/g)?.length).toBeGreaterThanOrEqual(3);
    const reported = JSON.parse(await fs.readFile(path.join(lora, 'eval', 'eval_info.json'), 'utf8'));
    expect(reported.aggregated.n_episodes).toBe(3);
    expect(reported.per_episode[0].seed).toBe(1000);

    // `eval --evaluator robotics/rollout --options` (run in beforeAll) with a report folder of its own.
    const metrics = adapted.json['metrics'] as Record<string, number>;
    expect(Object.keys(metrics).sort()).toEqual(METRICS);
    expect(metrics['n_episodes']).toBe(4);
    expect([0, 25, 50, 75, 100]).toContain(metrics['pc_success']);
    // Cartpole reward is in [0, 1] per step minus a small control cost; episodes last <= 250 steps.
    expect(metrics['avg_max_reward']).toBeLessThanOrEqual(1);
    expect(metrics['avg_sum_reward']).toBeGreaterThan(0);
    expect(metrics['avg_sum_reward']).toBeLessThanOrEqual(metrics['avg_length']!);
    expect((await fs.readdir(report)).sort()).toEqual([
      'eval_info.json',
      'peftkit-eval.json',
      'pole-angle.svg',
    ]);
    const info = JSON.parse(await fs.readFile(path.join(report, 'eval_info.json'), 'utf8'));
    expect(info.per_episode.map((e: { seed: number }) => e.seed)).toEqual([1000, 1001, 1002, 1003]);
    expect(info.aggregated.pc_success).toBe(metrics['pc_success']);

    // A bare eval runs the run config's evaluation (the preset's rollout, poleMass set at train
    // time); the rollout metrics are the same numbers again.
    expect(again.json['evaluator']).toBe('robotics/rollout');
    expect((again.json['options'] as { env: unknown }).env).toEqual(HEAVY);
    expect(again.json['metrics']).toEqual(metrics);

    process.stderr.write(
      `robotics e2e: LoRA policy in the heavy-pole cartpole: pc_success ${metrics['pc_success']}% over 4 episodes\n`,
    );

    const [prediction] = predicted.json['predictions'] as { value: number[] }[];
    expect(prediction?.value).toHaveLength(1);
    // LEANING: the policy pushes towards +x, as the expert does.
    expect(prediction?.value[0]).toBeGreaterThan(0);
  }, 300_000);
});

describe('peftkit serve with a robotics policy adapter', () => {
  it('takes observation JSON objects and answers as peftkit predict does', async () => {
    const want = (predicted.json['predictions'] as { value: number[] }[]).slice(1);
    if (!server) throw new Error('peftkit serve did not start');
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

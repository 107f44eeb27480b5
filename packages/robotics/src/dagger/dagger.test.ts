import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createPeftkit,
  initBackend,
  loadRun,
  type PeftkitHost,
  type RunConfig,
  type RunConfigLayer,
  resolveRunConfig,
  trainRun,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLeRobotDataset } from '../data/lerobot-dataset.js';
import { writeLeRobotDataset } from '../data/lerobot-writer.js';
import type { EnvSpec } from '../envs/make-env.js';
import type { Expert } from '../experts/expert.js';
import { makeExpert } from '../experts/make-expert.js';
import { roboticsPlugin } from '../plugin.js';
import { collectDemonstrations } from '../rollout/collect-demonstrations.js';
import { runPolicy } from '../rollout/run-policy.js';
import { runRollouts } from '../rollout/run-rollouts.js';
import { daggerMain } from './dagger-cli.js';
import { parseDaggerOptions, planRounds } from './dagger-options.js';
import { labelledRollouts } from './labelled-rollouts.js';
import { type DaggerResult, runDagger } from './run-dagger.js';

// Cart-pole balance from a wide start, clean demonstrations (no DART noise): cloning sees only
// the expert's own states, the classic setting where DAgger's learner-visited states help.
const ENV = { id: 'cartpole', initNoise: 0.2, maxSteps: 100, successSteps: 50 } as const satisfies EnvSpec;
const DEMOS = 2;
const BUDGET = 4;
const STEPS = 40;

let tmp: string;
let host: PeftkitHost;
let expert: Expert;
let dagger: DaggerResult;
let bcDir: string;

function config(train: string, extra: RunConfigLayer = {}): RunConfig {
  const layer = {
    data: { train, eval: path.join(tmp, 'eval') },
    model: { config: { hidden_size: 32, num_layers: 2 } },
    training: { maxSteps: STEPS, batchSize: 64, lr: 3e-3 },
    evaluation: { evaluator: 'robotics/rollout', options: { env: ENV } },
  } as RunConfigLayer;
  return resolveRunConfig({
    preset: host.presets.get('robotics/behavior-cloning'),
    layers: [
      { name: 'test', value: layer },
      { name: 'extra', value: extra },
    ],
  }).config;
}

/** Mean squared difference to the expert's action on the states the policy itself visits. */
async function ownStateMse(runDir: string): Promise<number> {
  const run = await loadRun(host, runDir);
  try {
    const r = await runRollouts(ENV, runPolicy(run), { episodes: 8, seedStart: 1000 });
    let se = 0;
    let n = 0;
    for (const t of r.trajectories) {
      t.actions.forEach((a, s) => {
        se += ((expert.act(t.observations[s] as Float64Array)[0] as number) - (a[0] as number)) ** 2;
        n++;
      });
    }
    return se / n;
  } finally {
    run.model.dispose();
  }
}

beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  await initBackend();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-dagger-'));
  host = await createPeftkit({ plugins: [roboticsPlugin] });
  expert = await makeExpert(ENV);
  const write = async (name: string, episodes: number, seedStart: number) =>
    writeLeRobotDataset(
      path.join(tmp, name),
      await collectDemonstrations(ENV, expert, { episodes, seedStart }),
    );
  await write('demos', DEMOS, 0);
  // Plain BC at the same episode budget: the demonstrations plus BUDGET more expert episodes.
  await write('demos-bc', DEMOS + BUDGET, 0);
  await write('eval', 1, 900);
  const rounds = 2;
  dagger = await runDagger(host, {
    config: config(path.join(tmp, 'demos'), {
      data: { options: { dagger: { budgetEpisodes: BUDGET, rounds } } },
      // One report rollout: only the final round's report.html should run it.
      evaluation: { report: { options: { episodes: 1, plots: 1 } } },
    }),
    outDir: path.join(tmp, 'dagger'),
    progress: 'none',
    log: () => {},
  });
  // Same total optimizer steps as DAgger's three rounds.
  const bc = config(path.join(tmp, 'demos-bc'), { training: { maxSteps: STEPS * (rounds + 1) } });
  bcDir = (
    await trainRun(host, { config: bc, outDir: path.join(tmp, 'bc'), progress: 'none', log: () => {} })
  ).outputDir;
}, 120_000);
afterAll(async () => {
  expert?.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('runDagger', () => {
  it('acts closer to the expert on its own states than plain BC at the same episode budget', async () => {
    const daggerMse = await ownStateMse(dagger.finalRun);
    const bcMse = await ownStateMse(bcDir);
    // Measured 0.009 vs 0.45: BC drifts into states no demonstration covers.
    expect(daggerMse).toBeLessThan(bcMse / 2);
  });

  it('rolls out for report.html (evaluation.report) in the final round only', async () => {
    const hasEval = (round: string) =>
      fs.stat(path.join(dagger.dir, round, 'eval')).then(
        () => true,
        () => false,
      );
    expect(await Promise.all(['round-0', 'round-1', 'round-2'].map(hasEval))).toEqual([false, false, true]);
    const report = await fs.readFile(path.join(dagger.dir, 'round-2', 'report.html'), 'utf8');
    expect(report).toContain('robotics/rollout');
  });

  it('starts from a finished round-0 copied in (a run trained the same way) and ends with the same policy', async () => {
    const dir = path.join(tmp, 'dagger-shared-round-0');
    await fs.cp(path.join(dagger.dir, 'round-0'), path.join(dir, 'round-0'), { recursive: true });
    const logs: string[] = [];
    const again = await runDagger(host, {
      config: config(path.join(tmp, 'demos'), {
        data: { options: { dagger: { budgetEpisodes: BUDGET, rounds: 2 } } },
        evaluation: { report: { options: { episodes: 1, plots: 1 } } },
      }),
      outDir: dir,
      progress: 'none',
      log: (l) => logs.push(l),
    });
    expect(logs).toContain('dagger: round-0 is already trained; keeping it');
    expect(again.rounds[0]?.trainSeconds).toBe(0);
    // Rollouts and training are deterministic: the same labelled data, the same final weights.
    expect(again.rounds.map((r) => [r.labelledFrames, r.learner?.pc_success])).toEqual(
      dagger.rounds.map((r) => [r.labelledFrames, r.learner?.pc_success]),
    );
    const weights = (run: string) => fs.readFile(path.join(run, 'model.safetensors'));
    expect(Buffer.compare(await weights(again.finalRun), await weights(dagger.finalRun))).toBe(0);
  });

  it('spends exactly the episode budget and records every round in dagger.json and the run dirs', async () => {
    expect(dagger.episodesUsed).toBe(BUDGET);
    expect(dagger.rounds.map((r) => [r.round, r.learnerEpisodes, r.trainEpisodes])).toEqual([
      [0, 0, DEMOS],
      [1, 2, DEMOS + 2],
      [2, 2, DEMOS + 4],
    ]);
    const saved = JSON.parse(await fs.readFile(path.join(dagger.dir, 'dagger.json'), 'utf8'));
    expect(saved.finalRun).toBe('round-2');
    expect(saved.rounds).toHaveLength(3);
    // The aggregated data of the last round: every demonstration plus every labelled learner episode.
    const data = await readLeRobotDataset(path.join(dagger.dir, 'data', 'round-2'));
    expect(data.episodes).toHaveLength(DEMOS + BUDGET);
    const labelled = data.episodes.slice(DEMOS);
    expect(labelled.reduce((n, e) => n + e.length, 0)).toBe(
      dagger.rounds[1]!.labelledFrames + dagger.rounds[2]!.labelledFrames,
    );
    // Labels are the expert's action in the recorded state.
    const e = labelled[0]!;
    const state = e.features['observation.state']!.subarray(5, 10);
    expect(e.features['action']![1]).toBeCloseTo(expert.act(Float64Array.from(state))[0]!, 5);
    // Each round continued the previous one: same normalisation as round 0.
    const pre = async (r: string) =>
      JSON.parse(await fs.readFile(path.join(dagger.dir, r, 'preprocessor.json'), 'utf8')).state;
    expect(await pre('round-2')).toEqual(await pre('round-0'));
  });

  it('keeps finished rounds when called again', async () => {
    const lines: string[] = [];
    const again = await runDagger(host, {
      config: config(path.join(tmp, 'demos'), {
        data: { options: { dagger: { budgetEpisodes: BUDGET, rounds: 2 } } },
      }),
      outDir: dagger.dir,
      progress: 'none',
      log: (l) => lines.push(l),
    });
    expect(lines.filter((l) => l.includes('already trained'))).toHaveLength(3);
    expect(again.rounds.map((r) => r.labelledFrames)).toEqual(dagger.rounds.map((r) => r.labelledFrames));
  });
});

describe('labelledRollouts', () => {
  it('is deterministic per seed, whatever the batching, with and without the expert mixed in', async () => {
    const run = await loadRun(host, path.join(dagger.dir, 'round-0'));
    try {
      const o = { episodes: 2, seedStart: 77, firstIndex: 10, task: 'cartpole/balance' };
      const a = await labelledRollouts(ENV, runPolicy(run), expert, { ...o, parallel: 1 });
      const b = await labelledRollouts(ENV, runPolicy(run), expert, { ...o, parallel: 2 });
      expect(b.episodes.map((e) => e.length)).toEqual(a.episodes.map((e) => e.length));
      expect(b.episodes[1]!.features['action']).toEqual(a.episodes[1]!.features['action']);
      expect(a.episodes.map((e) => e.index)).toEqual([10, 11]);
      const before = tf.memory().numTensors;
      const mixed = await labelledRollouts(ENV, runPolicy(run), expert, { ...o, beta: 1 });
      expect(tf.memory().numTensors).toBe(before);
      // beta 1 executes the expert throughout: its episodes are the expert's own.
      const own = await collectDemonstrations(ENV, expert, { episodes: 2, seedStart: 77 });
      expect(mixed.episodes[0]!.features['action']).toEqual(own.episodes[0]!.features['action']);
      expect(mixed.aggregated.pc_success).toBe(100);
    } finally {
      run.model.dispose();
    }
  });
});

describe('DAgger options', () => {
  it('splits the budget into rounds and decays beta', () => {
    const plans = planRounds(parseDaggerOptions({ budgetEpisodes: 10, rounds: 3, beta: 0.5 }));
    expect(plans.map((p) => [p.episodes, p.seedStart, p.beta])).toEqual([
      [4, 2000, 0.5],
      [4, 2004, 0.25],
      [2, 2008, 0.125],
    ]);
  });

  it('names the bad field', async () => {
    expect(() => parseDaggerOptions({ budgetEpisodes: 0 })).toThrow(/data\.options\.dagger\.budgetEpisodes/);
    expect(() => parseDaggerOptions({ budgetEpisodes: 4, round: 2 })).toThrow(
      /data\.options\.dagger\.round\b/,
    );
    expect(() => parseDaggerOptions({ budgetEpisodes: 10, rounds: 2, episodesPerRound: 3 })).toThrow(
      /budgetEpisodes is more than rounds x episodesPerRound/,
    );
    expect(() => parseDaggerOptions(undefined)).toThrow(/data\.options\.dagger is not set/);
    const bad = (dagger: object) =>
      runDagger(host, {
        config: config(path.join(tmp, 'demos'), { data: { options: { dagger } } }),
        outDir: path.join(tmp, 'never'),
        log: () => {},
      });
    await expect(bad({ budgetEpisodes: 2, env: { id: 'cartpol' } })).rejects.toThrow(
      /data\.options\.dagger\.env\.id must be one of 'cartpole', 'reacher', got 'cartpol'/,
    );
    await expect(bad({ budgetEpisodes: 2, env: { id: 'reacher' } })).rejects.toThrow(
      /DAgger aggregates with the env's observation.state \(\d+\) and action \(2\); the demonstrations have 5 and 1/,
    );
    await expect(fs.stat(path.join(tmp, 'never', 'round-0'))).rejects.toThrow();
  });
});

describe('peftkit-dagger (daggerMain)', () => {
  it('resolves a preset with flags like peftkit train and runs the rounds; bad input is one line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { host, out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const dir = path.join(tmp, 'cli');
    const args = [
      '--preset',
      'robotics/behavior-cloning',
      '--data',
      path.join(tmp, 'demos'),
      '--set',
      'model.config={hidden_size: 16, num_layers: 1}',
      '--set',
      `data.options.dagger={budgetEpisodes: 3, env: {id: cartpole, maxSteps: 30, successSteps: 10}}`,
      '--budget',
      '1',
      '--max-steps',
      '3',
      '--out',
      dir,
    ];
    expect(await daggerMain([...args, '--json'], io), err.join('')).toBe(0);
    const result = JSON.parse(out.join('')) as DaggerResult;
    expect(result.episodesUsed).toBe(1); // --budget wins over --set
    expect(result.rounds.map((r) => r.learnerEpisodes)).toEqual([0, 1]);
    const summary = JSON.parse(await fs.readFile(path.join(dir, 'round-1', 'summary.json'), 'utf8'));
    expect(summary.steps).toBe(3);
    expect(
      await daggerMain([...args.slice(0, -2), '--budget', '0', '--out', path.join(tmp, 'cli2')], io),
    ).toBe(2);
    expect(err.at(-1)).toMatch(/^error: data\.options\.dagger\.budgetEpisodes must be >= 1[^\n]*\n$/);
  });
});

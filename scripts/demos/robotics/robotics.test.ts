import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit } from '@peftkit/core';
import { roboticsPlugin } from '@peftkit/robotics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../demo-cli.js';
import { biomeFormatted, captureDemo, fingerprint } from '../testing/helpers.js';
import { stepTrainer } from '../train-step.js';
import { NEW_GOAL, type RoboticsDemoBudget, type Scenario, WEAK_MOTOR } from './config.js';
import { roboticsDemoMain } from './main.js';
import { DEMO_METHODS, type RoboticsMethod } from './methods.js';
import type { RoboticsDemoReport } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';
import { trainSeed } from './run-method.js';

const RESULTS = path.join(ROOT, 'docs', 'results.md');

/** A handful of steps and two rollouts per env: the whole pipeline, not the numbers. */
const TINY_SCENARIO = {
  sourceEpisodes: 2,
  targetEpisodes: 2, // whole episodes are held out for eval: one would leave none to train on
  pretrainSteps: 4,
  adaptSteps: 2,
  evalEpisodes: 2,
};
const TINY: RoboticsDemoBudget = {
  weakMotor: TINY_SCENARIO,
  newGoal: TINY_SCENARIO,
  seed: 7,
  trainSeeds: [7, 8],
};

/** Episodes cut to a few steps (the env's own `maxSteps`): the same code paths, a fraction of the rollouts. */
const CARTPOLE_STEPS = 40;
const REACHER_STEPS = 20;
const short = (s: Scenario, steps: number, successSteps: number): Scenario => ({
  ...s,
  sourceEnv: { ...s.sourceEnv, maxSteps: steps, successSteps } as Scenario['sourceEnv'],
  targetEnv: { ...s.targetEnv, maxSteps: steps, successSteps } as Scenario['targetEnv'],
});
const SCENARIOS = {
  weakMotor: short(WEAK_MOTOR, CARTPOLE_STEPS, 10),
  newGoal: short(NEW_GOAL, REACHER_STEPS, 5),
};

/** Prefix tuning needs attention, which an MLP policy has none of: it must be a skipped row, not a failure. */
const PREFIX_ON_MLP: RoboticsMethod = {
  id: 'prefix-on-mlp',
  label: 'prefix tuning (no attention in an MLP policy)',
  set: ['peft={peftType: PREFIX_TUNING, numVirtualTokens: 2}'],
};

const pick = (ids: string[]) => DEMO_METHODS.filter((m) => ids.includes(m.id));
/** The DAgger row on a tiny budget: one round of one learner episode. */
const TINY_DAGGER: RoboticsMethod = {
  id: 'lora-dagger',
  label: 'LoRA + DAgger (1 episode)',
  set: [],
  dagger: { budgetEpisodes: 1, rounds: 1, stepsPerRound: 1 },
  round0Of: 'lora',
};
/** DAgger's comparison row: one more expert demo (the tiny DAgger row labels one episode). */
const MORE_DEMOS: RoboticsMethod = { ...(pick(['lora-more-demos'])[0] as RoboticsMethod), extraDemos: 1 };
const METHODS = [...pick(['zero-shot', 'head-only', 'lora', 'full']), PREFIX_ON_MLP, TINY_DAGGER, MORE_DEMOS];
const RUNS_PER_TRAINED_ROW = TINY.trainSeeds.length;

let tmp: string;
let before: string;
let report: RoboticsDemoReport & { resultsFile: string | null };
let stderr: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-demo-robotics-'));
  before = await fingerprint(RESULTS);
  const run = await captureDemo(() =>
    roboticsDemoMain(
      [
        '--json',
        '--workers',
        '2',
        '--work',
        path.join(tmp, 'work'),
        '--results',
        path.join(tmp, 'results.md'),
      ],
      { budget: TINY, methods: METHODS, scenarios: SCENARIOS, progress: 'none' },
    ),
  );
  expect(run.code, run.stderr).toBe(0);
  report = JSON.parse(run.stdout);
  stderr = run.stderr;
}, 240_000);
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('pnpm demo robotics (tiny budget)', () => {
  it('rolls every row out in the shifted and the source setting, for both scenarios', async () => {
    expect(report.scenarios.map((x) => x.scenario.id)).toEqual(['weak-motor', 'new-goal']);
    for (const sc of report.scenarios) {
      // Cart-pole reward is in [0, 1] per step; the reacher's is minus a distance.
      const [low, high] = sc.scenario.id === 'weak-motor' ? [0, CARTPOLE_STEPS] : [-REACHER_STEPS, 0];
      const plot = sc.scenario.id === 'weak-motor' ? 'pole-angle.svg' : 'fingertip-paths.svg';
      expect(sc.results.map((r) => r.id)).toEqual(METHODS.map((m) => m.id));
      for (const r of sc.results.filter((x) => x.id !== 'prefix-on-mlp')) {
        expect(r.status, `${r.id}: ${r.reason ?? ''}`).toBe('ok');
        for (const score of [r.target, r.source]) {
          expect(score?.episodes).toBe(TINY_SCENARIO.evalEpisodes);
          expect(score?.success).toBeGreaterThanOrEqual(0);
          expect(score?.success).toBeLessThanOrEqual(1);
          expect(score?.avgSumReward).toBeGreaterThan(low);
          expect(score?.avgSumReward).toBeLessThanOrEqual(high);
        }
        const extra = r.id === 'lora-more-demos' ? 1 : 0;
        expect(r.demosUsed).toBe(r.id === 'zero-shot' ? 0 : TINY_SCENARIO.targetEpisodes + extra);
        expect(r.labelledEpisodes).toBe(r.id === 'lora-dagger' ? 1 : 0);
        // Mean and std over the training seeds, from each seed's own rollouts.
        const seeds = r.id === 'zero-shot' ? 1 : RUNS_PER_TRAINED_ROW;
        for (const score of [r.target!, r.source!]) {
          expect(score.perSeed).toHaveLength(seeds);
          const mean = score.perSeed.reduce((s, x) => s + x.success, 0) / seeds;
          expect(score.success).toBeCloseTo(mean, 10);
          const spread = Math.max(...score.perSeed.map((x) => Math.abs(x.success - mean)));
          expect(score.successStd).toBeLessThanOrEqual(spread + 1e-12);
        }
        // The evaluator's own files, as `peftkit eval --out` writes them.
        const files = await fs.readdir(path.join(r.runDir ?? '', 'eval-target'));
        expect(files.sort()).toEqual(['eval_info.json', 'peftkit-eval.json', plot].sort());
      }
      const byId = new Map(sc.results.map((r) => [r.id, r]));
      expect(byId.get('zero-shot')?.trainableParameters).toBe(0);
      expect(byId.get('full')?.trainableParameters).toBe(byId.get('full')?.totalParameters);
      expect(byId.get('lora')?.weightBytes).toBeLessThan(byId.get('full')?.weightBytes ?? 0);
      expect(byId.get('head-only')?.trainableParameters).toBeLessThan(
        byId.get('lora')?.trainableParameters ?? 0,
      );
      const skipped = byId.get('prefix-on-mlp');
      expect(skipped?.status).toBe('skipped');
      expect(skipped?.reason).toContain('PREFIX_TUNING');
    }
    expect(stderr).toContain('demo: weak-motor: prefix-on-mlp: skipped (PREFIX_TUNING');
    expect(report.scenarios[0]?.targetDemos.frames).toBe(TINY_SCENARIO.targetEpisodes * CARTPOLE_STEPS);
    expect(report.scenarios[1]?.targetDemos.frames).toBe(TINY_SCENARIO.targetEpisodes * REACHER_STEPS);
    // The runs were spread over worker processes, and their CPU time counted.
    expect(report.workers).toBe(Math.min(2, os.availableParallelism()));
    expect(report.cpuSeconds).toBeGreaterThan(0);
  });

  it('prints a table and markdown with every train and eval command', () => {
    const text = renderText(report);
    for (const m of METHODS) expect(text).toContain(m.label);
    const md = renderMarkdown(report, 'pnpm demo robotics');
    expect(md).toMatch(/^\| method +\| success \(weak motor\) +\|/m);
    expect(md).toMatch(/^\| method +\| success \(new goals\) +\|/m);
    expect(biomeFormatted(`# Results\n\n${md}\n`)).toBe(`# Results\n\n${md}\n`);
    expect(md).toContain('pnpm peftkit pretrain --preset robotics/behavior-cloning');
    expect(md.match(/pnpm peftkit pretrain /g)).toHaveLength(2);
    // head only, LoRA, full and LoRA on more demos once per training seed, in both scenarios;
    // DAgger with its own command, its round 0 copied from the LoRA run.
    expect(md.match(/^pnpm peftkit train /gm)).toHaveLength(2 * 4 * RUNS_PER_TRAINED_ROW);
    // Only the first training seed's runs roll out for report.html.
    expect(md.match(/^pnpm peftkit train .*--set evaluation\.report=null/gm)).toHaveLength(
      2 * 4 * (RUNS_PER_TRAINED_ROW - 1),
    );
    expect(md.match(/^pnpm peftkit-dagger --preset .* --set 'data\.options\.dagger=\{/gm)).toHaveLength(
      2 * RUNS_PER_TRAINED_ROW,
    );
    expect(md.match(/^# round 0 is the lora row's run of this seed .*mkdir -p \S+ && cp -r /gm)).toHaveLength(
      2 * RUNS_PER_TRAINED_ROW,
    );
    expect(md).not.toContain('no CLI command');
    // Two rollouts (shifted, source) per run: zero-shot once, 5 trained rows per seed, both scenarios.
    expect(md.match(/pnpm peftkit eval --adapter /g)).toHaveLength(2 * 2 * (1 + 5 * RUNS_PER_TRAINED_ROW));
    expect(md).toMatch(/\d+\.\d% ± \d+\.\d/);
    expect(md).toContain('1 + 1 labelled'.replace('1 + 1', `${TINY_SCENARIO.targetEpisodes} + 1`));
    expect(md).toContain('simulated');
  });

  it("starts the DAgger row from the LoRA row's run of the same seed: the same command but for --out", async () => {
    const md = renderMarkdown(report, 'pnpm demo robotics');
    for (const sc of report.scenarios) {
      const dir = path.relative(ROOT, path.dirname(sc.base.runDir));
      for (const seed of TINY.trainSeeds) {
        const adapt = `${dir}/adapt/seed-${seed}`;
        const line = (prefix: string, out: string) =>
          md.split('\n').find((l) => l.startsWith(prefix) && l.includes(` --out ${adapt}/${out} `)) ?? '';
        const lora = line('pnpm peftkit train ', 'lora');
        const dagger = line('pnpm peftkit-dagger ', 'lora-dagger');
        const flags = (l: string, program: string) =>
          l
            .replace(program, '')
            .replace(/ --out \S+/, '')
            .replace(/ --set 'data\.options\.dagger=[^']*'/, '');
        expect(lora).not.toBe('');
        expect(flags(dagger, 'pnpm peftkit-dagger')).toBe(flags(lora, 'pnpm peftkit train'));
        // The copied run: the LoRA adapter, without the LoRA row's rollout folders.
        const round0 = path.join(ROOT, adapt, 'lora-dagger', 'round-0');
        const adapter = (run: string) => fingerprint(path.join(run, 'adapter_model.safetensors'));
        expect(await adapter(round0)).toBe(await adapter(path.join(ROOT, adapt, 'lora')));
        await expect(fs.stat(path.join(round0, 'eval-target'))).rejects.toThrow();
      }
    }
  });

  it('a worker run equals the same run in this process, one after the other', async () => {
    // The demo already started tfjs here (with this process's own thread count).
    const sc = report.scenarios[1];
    const lora = sc?.results.find((r) => r.id === 'lora');
    if (!sc || !lora?.target || !lora.source) throw new Error('no new-goal LoRA row');
    const host = await createPeftkit({ plugins: [roboticsPlugin], strict: true });
    const train = stepTrainer(host, { cwd: ROOT, progress: 'none', log: () => {} });
    const method = { ...(pick(['lora'])[0] as RoboticsMethod), id: 'lora-in-process' };
    const seed = TINY.trainSeeds[1] as number;
    const again = await trainSeed(
      host,
      train,
      method,
      seed,
      {
        scenario: sc.scenario,
        base: sc.base.runDir,
        targetDemos: sc.targetDemos.dir,
        targetEpisodes: sc.targetDemos.episodes,
        budget: sc.budget,
        configFile: path.join(path.dirname(sc.base.runDir), 'adapt-config.json'),
        cwd: ROOT,
        reportSeed: TINY.trainSeeds[0] as number,
      },
      () => {},
    );
    if ('skipped' in again) throw new Error(again.skipped);
    expect(again.scored.target).toEqual(lora.target.perSeed[1]);
    expect(again.scored.source).toEqual(lora.source.perSeed[1]);
    const adapter = (run: string) => fingerprint(path.join(run, 'adapter_model.safetensors'));
    const workerRun = path.join(path.dirname(sc.base.runDir), 'adapt', `seed-${seed}`, 'lora');
    expect(await adapter(again.row.runDir ?? '')).toBe(await adapter(workerRun));
  });

  it('writes its section to the results file it is given and leaves docs/results.md alone', async () => {
    expect(await fingerprint(RESULTS)).toBe(before);
    const written = await fs.readFile(path.join(tmp, 'results.md'), 'utf8');
    expect(written).toContain('<!-- demo:robotics:start -->\n## Robotics');
  });
});

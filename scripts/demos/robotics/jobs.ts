import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import type { CliStep } from '../cli-step.js';
import type { Train } from '../train-step.js';
import { writeConfigFile } from '../work-dir.js';
import { PRETRAIN_PRESET, type Scenario, type ScenarioBudget, TARGET_SEED_START } from './config.js';
import { type DemoSet, writeDemonstrationSets, writeDemonstrations } from './demonstrations.js';
import type { RoboticsMethod } from './methods.js';
import {
  type MethodContext,
  type ScoredResult,
  type SeedRun,
  type SharedRound0,
  trainSeed,
  zeroShotRow,
} from './run-method.js';

/**
 * A scenario's shared inputs: expert demos in the source setting, the behaviour-cloned base, and
 * expert demos in the shifted setting (`targetEpisodes`, and `extra` more for rows that ask).
 */
export interface PrepareJob {
  readonly kind: 'prepare';
  readonly scenario: Scenario;
  readonly dir: string;
  readonly budget: ScenarioBudget;
  readonly seed: number;
  /** Extra target episode counts some row trains on (one more dataset each). */
  readonly extra: readonly number[];
}

export interface Prepared {
  readonly sourceDemos: DemoSet;
  readonly targetDemos: DemoSet;
  /** Target datasets with more episodes, by the number of extra episodes. */
  readonly extraDemos: Readonly<Record<number, DemoSet>>;
  readonly pretrainConfig: string;
  readonly adaptConfig: string;
  readonly base: {
    readonly steps: number;
    readonly trainSeconds: number;
    readonly runDir: string;
    readonly command: string;
  };
}

/** The zero-shot row: the base rolled out as is. */
export interface ZeroShotJob {
  readonly kind: 'zero-shot';
  readonly method: RoboticsMethod;
  readonly context: MethodContext;
}

/** One training seed of a trained row. */
export interface SeedJob {
  readonly kind: 'seed';
  readonly method: RoboticsMethod;
  readonly seed: number;
  readonly context: MethodContext;
  /** A DAgger row's round 0, already trained as another row's run of the same seed. */
  readonly round0?: SharedRound0 | undefined;
}

export type RoboticsJob = PrepareJob | ZeroShotJob | SeedJob;
export type RoboticsJobResult = Prepared | ScoredResult | SeedRun | { skipped: string };

/** `weak-motor prepare`, `new-goal lora seed 43`: which job, for log lines. */
export function describeJob(job: RoboticsJob): string {
  if (job.kind === 'prepare') return `${job.scenario.id} prepare`;
  const id = `${job.context.scenario.id} ${job.method.id}`;
  return job.kind === 'seed' ? `${id} seed ${job.seed}` : id;
}

/** Runs one job in this process (a demo worker, or the demo itself). */
export async function runRoboticsJob(
  host: PeftkitHost,
  train: Train,
  job: RoboticsJob,
  log: (line: string) => void,
): Promise<RoboticsJobResult> {
  switch (job.kind) {
    case 'prepare':
      return prepareScenario(train, job, log);
    case 'zero-shot':
      return zeroShotRow(host, job.method, job.context);
    case 'seed':
      return trainSeed(host, train, job.method, job.seed, job.context, log, job.round0);
  }
}

/**
 * Expert demos in the source setting -> behaviour-cloned base -> expert demos in the shifted
 * setting (the expert re-derived for it).
 */
async function prepareScenario(train: Train, j: PrepareJob, log: (line: string) => void): Promise<Prepared> {
  const { scenario: s, budget } = j;
  const pretrainConfig = path.join(j.dir, 'pretrain-config.json');
  const adaptConfig = path.join(j.dir, 'adapt-config.json');
  await fs.mkdir(j.dir, { recursive: true });
  // The run's default evaluation: a bare `peftkit eval --adapter <run>` rolls out where it trained.
  await writeConfigFile(pretrainConfig, { evaluation: { options: { env: s.sourceEnv } } });
  await writeConfigFile(adaptConfig, { evaluation: { options: { env: s.targetEnv } } });

  log(`demo: ${s.id}: expert demonstrations in the source setting (${budget.sourceEpisodes} episodes)`);
  const sourceDemos = await writeDemonstrations(
    s.sourceEnv,
    path.join(j.dir, 'data', 'source'),
    budget.sourceEpisodes,
    0,
  );
  log(`demo: ${s.id}: behaviour cloning of the base policy (${budget.pretrainSteps} steps)`);
  const pretrain: CliStep = {
    command: 'pretrain',
    preset: PRETRAIN_PRESET,
    config: pretrainConfig,
    set: [],
    data: sourceDemos.dir,
    out: path.join(j.dir, 'base'),
    maxSteps: budget.pretrainSteps,
    seed: j.seed,
  };
  const base = await train(pretrain);

  log(`demo: ${s.id}: expert demonstrations in the shifted setting (${budget.targetEpisodes} episodes)`);
  // The extra-demo sets start with the same episodes: one collection, written as each size.
  const [targetDemos, ...more] = await writeDemonstrationSets(
    s.targetEnv,
    [
      { dir: path.join(j.dir, 'data', 'target'), episodes: budget.targetEpisodes },
      ...j.extra.map((extra) => ({
        dir: path.join(j.dir, 'data', `target-plus-${extra}`),
        episodes: budget.targetEpisodes + extra,
      })),
    ],
    TARGET_SEED_START,
  );
  const extraDemos: Record<number, DemoSet> = {};
  j.extra.forEach((extra, i) => {
    extraDemos[extra] = more[i] as DemoSet;
  });
  return {
    sourceDemos,
    targetDemos: targetDemos as DemoSet,
    extraDemos,
    pretrainConfig,
    adaptConfig,
    base: {
      steps: base.result.summary.steps,
      trainSeconds: base.seconds,
      runDir: base.result.outputDir,
      command: base.command,
    },
  };
}

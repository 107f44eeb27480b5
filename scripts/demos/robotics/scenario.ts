import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import type { CliStep } from '../cli-step.js';
import type { Train } from '../train-step.js';
import { writeConfigFile } from '../work-dir.js';
import { PRETRAIN_PRESET, type Scenario, type ScenarioBudget, TARGET_SEED_START } from './config.js';
import { type DemoSet, writeDemonstrations } from './demonstrations.js';
import type { RoboticsMethod } from './methods.js';
import type { MethodResult } from './report.js';
import { runMethod } from './run-method.js';

/** One scenario's table and how it was made. */
export interface ScenarioReport {
  readonly scenario: Scenario;
  readonly budget: ScenarioBudget;
  readonly sourceDemos: DemoSet;
  readonly targetDemos: DemoSet;
  readonly base: {
    readonly steps: number;
    readonly trainSeconds: number;
    readonly runDir: string;
  };
  readonly results: readonly MethodResult[];
  /** Every `peftkit` command behind the table, in order. */
  readonly commands: readonly string[];
}

export interface ScenarioContext {
  readonly host: PeftkitHost;
  /** This scenario's own folder of the work dir. */
  readonly dir: string;
  readonly budget: ScenarioBudget;
  /** Seed of the base's pretraining. */
  readonly seed: number;
  /** Training seeds of every adaptation row. */
  readonly trainSeeds: readonly number[];
  readonly methods: readonly RoboticsMethod[];
  readonly train: Train;
  readonly cwd: string;
  readonly log: (line: string) => void;
}

/**
 * Expert demos in the source setting -> behaviour-cloned base -> a few expert demos in the shifted
 * setting (the expert re-derived for it) -> every method adapted from the same base and rolled
 * out on fixed seeds in both settings.
 */
export async function runScenario(s: Scenario, c: ScenarioContext): Promise<ScenarioReport> {
  const { budget, log } = c;
  const pretrainConfig = path.join(c.dir, 'pretrain-config.json');
  const adaptConfig = path.join(c.dir, 'adapt-config.json');
  await fs.mkdir(c.dir, { recursive: true });
  // The run's default evaluation: a bare `peftkit eval --adapter <run>` rolls out where it trained.
  await writeConfigFile(pretrainConfig, { evaluation: { options: { env: s.sourceEnv } } });
  await writeConfigFile(adaptConfig, { evaluation: { options: { env: s.targetEnv } } });

  log(`demo: ${s.id}: expert demonstrations in the source setting (${budget.sourceEpisodes} episodes)`);
  const sourceDemos = await writeDemonstrations(
    s.sourceEnv,
    path.join(c.dir, 'data', 'source'),
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
    out: path.join(c.dir, 'base'),
    maxSteps: budget.pretrainSteps,
    seed: c.seed,
  };
  const base = await c.train(pretrain);

  log(`demo: ${s.id}: expert demonstrations in the shifted setting (${budget.targetEpisodes} episodes)`);
  const targetDemos = await writeDemonstrations(
    s.targetEnv,
    path.join(c.dir, 'data', 'target'),
    budget.targetEpisodes,
    TARGET_SEED_START,
  );

  log(`demo: ${s.id}: adapting (${budget.adaptSteps} steps each), ${budget.evalEpisodes} rollouts per env`);
  const results: MethodResult[] = [];
  const commands = [base.command];
  for (const method of c.methods) {
    const { evalCommands, ...r } = await runMethod(c.host, method, {
      scenario: s,
      base: base.result.outputDir,
      targetDemos: targetDemos.dir,
      budget,
      seeds: c.trainSeeds,
      configFile: adaptConfig,
      train: c.train,
      cwd: c.cwd,
      log,
    });
    results.push(r);
    if (r.command) commands.push(...r.command.split('\n'));
    commands.push(...evalCommands);
    if (r.status === 'ok') {
      const pc = (x: number | undefined) => `${(100 * (x ?? Number.NaN)).toFixed(0)}%`;
      log(
        `demo: ${s.id}: ${method.id}: success ${pc(r.target?.success)} ${s.shift}, ${pc(r.source?.success)} source`,
      );
    } else log(`demo: ${s.id}: ${method.id}: skipped (${r.reason})`);
  }
  return {
    scenario: s,
    budget,
    sourceDemos,
    targetDemos,
    base: { steps: base.result.summary.steps, trainSeconds: base.seconds, runDir: base.result.outputDir },
    results,
    commands,
  };
}

import * as path from 'node:path';
import { createPeftkit, initBackend } from '@peftkit/core';
import { roboticsPlugin } from '@peftkit/robotics';
import type { CliStep } from '../cli-step.js';
import type { DemoRunOptions } from '../demo-cli.js';
import { type MachineInfo, machineInfo } from '../machine.js';
import { seconds, stepTrainer } from '../train-step.js';
import { prepareWorkDir, writeConfigFile } from '../work-dir.js';
import {
  PRETRAIN_PRESET,
  type RoboticsDemoBudget,
  SOURCE_ENV,
  TARGET_ENV,
  TARGET_SEED_START,
} from './config.js';
import { type DemoSet, writeDemonstrations } from './demonstrations.js';
import { DEMO_METHODS, type DemoMethod } from './methods.js';
import type { MethodResult } from './report.js';
import { runMethod } from './run-method.js';

export interface RoboticsDemoOptions extends DemoRunOptions {
  readonly budget: RoboticsDemoBudget;
  readonly methods?: readonly DemoMethod[];
}

export interface RoboticsDemoReport {
  readonly demo: 'robotics';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly budget: RoboticsDemoBudget;
  readonly sourceEnv: Readonly<Record<string, unknown>>;
  readonly targetEnv: Readonly<Record<string, unknown>>;
  readonly sourceDemos: DemoSet;
  readonly targetDemos: DemoSet;
  readonly base: {
    readonly steps: number;
    readonly trainSeconds: number;
    readonly runDir: string;
    readonly command: string;
  };
  readonly results: readonly MethodResult[];
  /** Every `peftkit` command behind the table, in order. */
  readonly commands: readonly string[];
  readonly wallTimeSeconds: number;
}

/**
 * The "a robot's motor gets weaker" demo: clone a cart-pole swing-up policy from expert demos in
 * the source physics, then meet a motor half as strong with a few demos of the expert re-derived
 * for it, comparing zero-shot, head only, LoRA, IA3, bottleneck adapters and full fine-tuning by
 * rollouts on fixed seeds in the shifted physics and back in the source physics.
 */
export async function runRoboticsDemo(o: RoboticsDemoOptions): Promise<RoboticsDemoReport> {
  const started = performance.now();
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = o.cwd ?? process.cwd();
  const { budget } = o;
  const backend = await initBackend();
  const host = await createPeftkit({ plugins: [roboticsPlugin], strict: true });
  const work = path.resolve(o.workDir);
  await prepareWorkDir(work, 'robotics');
  const pretrainConfig = path.join(work, 'pretrain-config.json');
  const adaptConfig = path.join(work, 'adapt-config.json');
  // The run's default evaluation: a bare `peftkit eval --adapter <run>` rolls out where it trained.
  await writeConfigFile(pretrainConfig, { evaluation: { options: { env: SOURCE_ENV } } });
  await writeConfigFile(adaptConfig, { evaluation: { options: { env: TARGET_ENV } } });
  const train = stepTrainer(host, { cwd, progress: o.progress ?? 'auto', log });

  log(`demo: [1/4] expert demonstrations in the source physics (${budget.sourceEpisodes} episodes)`);
  const sourceDemos = await writeDemonstrations(
    SOURCE_ENV,
    path.join(work, 'data', 'source'),
    budget.sourceEpisodes,
    0,
  );
  log(`demo: [2/4] behaviour cloning of the base policy (${budget.pretrainSteps} steps)`);
  const pretrain: CliStep = {
    command: 'pretrain',
    preset: PRETRAIN_PRESET,
    config: pretrainConfig,
    set: [],
    data: sourceDemos.dir,
    out: path.join(work, 'base'),
    maxSteps: budget.pretrainSteps,
    seed: budget.seed,
  };
  const base = await train(pretrain);

  log(`demo: [3/4] expert demonstrations with the weak motor (${budget.targetEpisodes} episodes)`);
  const targetDemos = await writeDemonstrations(
    TARGET_ENV,
    path.join(work, 'data', 'weak-motor'),
    budget.targetEpisodes,
    TARGET_SEED_START,
  );

  log(`demo: [4/4] adapting (${budget.adaptSteps} steps each), ${budget.evalEpisodes} rollouts per env`);
  const results: MethodResult[] = [];
  const commands = [base.command];
  for (const method of o.methods ?? DEMO_METHODS) {
    const { evalCommands, ...r } = await runMethod(host, method, {
      base: base.result.outputDir,
      targetDemos: targetDemos.dir,
      budget,
      configFile: adaptConfig,
      train,
      cwd,
    });
    results.push(r);
    if (r.command) commands.push(r.command);
    commands.push(...evalCommands);
    if (r.status === 'ok') {
      log(
        `demo: ${method.id}: success ${(100 * (r.target?.success ?? Number.NaN)).toFixed(0)}% weak motor, ${(100 * (r.source?.success ?? Number.NaN)).toFixed(0)}% source motor`,
      );
    } else log(`demo: ${method.id}: skipped (${r.reason})`);
  }
  return {
    demo: 'robotics',
    date: new Date().toISOString(),
    machine: machineInfo(backend),
    budget,
    sourceEnv: SOURCE_ENV,
    targetEnv: TARGET_ENV,
    sourceDemos,
    targetDemos,
    base: {
      steps: base.result.summary.steps,
      trainSeconds: base.seconds,
      runDir: base.result.outputDir,
      command: base.command,
    },
    results,
    commands,
    wallTimeSeconds: seconds(started),
  };
}

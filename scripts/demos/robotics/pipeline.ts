import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit, initBackend } from '@peftkit/core';
import { roboticsPlugin } from '@peftkit/robotics';
import type { DemoRunOptions } from '../demo-cli.js';
import { type MachineInfo, machineInfo } from '../machine.js';
import { seconds, stepTrainer } from '../train-step.js';
import { prepareWorkDir } from '../work-dir.js';
import { NEW_GOAL, type RoboticsDemoBudget, WEAK_MOTOR } from './config.js';
import { DEMO_METHODS, type RoboticsMethod } from './methods.js';
import { runScenario, type ScenarioReport } from './scenario.js';

export interface RoboticsDemoOptions extends DemoRunOptions {
  readonly budget: RoboticsDemoBudget;
  readonly methods?: readonly RoboticsMethod[];
}

export interface RoboticsDemoReport {
  readonly demo: 'robotics';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly seed: number;
  /** Training seeds of every adaptation row (scores are mean ± std over them). */
  readonly trainSeeds: readonly number[];
  /** One table per scenario run: the weak motor (cart-pole), then the new goal region (reacher). */
  readonly scenarios: readonly ScenarioReport[];
  readonly wallTimeSeconds: number;
  /** 1-minute load average at the start and the end (the machine may be shared: times scale with it). */
  readonly loadAverage: readonly [start: number, end: number];
}

/**
 * The robotics demo: for each scenario, clone a policy from expert demos in a source setting,
 * then meet a shifted setting with a few demos of the expert re-derived for it, comparing
 * zero-shot, head only, LoRA, IA3, bottleneck adapters and full fine-tuning by rollouts on fixed
 * seeds in the shifted and the source setting.
 */
export async function runRoboticsDemo(o: RoboticsDemoOptions): Promise<RoboticsDemoReport> {
  const started = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = o.cwd ?? process.cwd();
  const { budget } = o;
  const backend = await initBackend();
  const host = await createPeftkit({ plugins: [roboticsPlugin], strict: true });
  const work = path.resolve(o.workDir);
  await prepareWorkDir(work, 'robotics');
  const train = stepTrainer(host, { cwd, progress: o.progress ?? 'auto', log });
  const scenarios: ScenarioReport[] = [];
  for (const [scenario, b] of [
    [WEAK_MOTOR, budget.weakMotor],
    [NEW_GOAL, budget.newGoal],
  ] as const) {
    if (!b) continue;
    scenarios.push(
      await runScenario(scenario, {
        host,
        dir: path.join(work, scenario.id),
        budget: b,
        seed: budget.seed,
        trainSeeds: budget.trainSeeds,
        methods: o.methods ?? DEMO_METHODS,
        train,
        cwd,
        log,
      }),
    );
  }
  return {
    demo: 'robotics',
    date: new Date().toISOString(),
    machine: machineInfo(backend),
    seed: budget.seed,
    trainSeeds: budget.trainSeeds,
    scenarios,
    wallTimeSeconds: seconds(started),
    loadAverage: [loadAtStart, os.loadavg()[0] ?? 0],
  };
}

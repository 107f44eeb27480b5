import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@peftkit/core';
import type { DemoRunOptions } from '../demo-cli.js';
import { type MachineInfo, machineInfo } from '../machine.js';
import { seconds } from '../train-step.js';
import { prepareWorkDir } from '../work-dir.js';
import { defaultWorkers, WorkerPool } from '../worker-pool.js';
import { NEW_GOAL, type RoboticsDemoBudget, type Scenario, WEAK_MOTOR } from './config.js';
import type { RoboticsJob, RoboticsJobResult } from './jobs.js';
import { DEMO_METHODS, type RoboticsMethod } from './methods.js';
import { runScenario, type ScenarioReport } from './scenario.js';

export interface RoboticsDemoOptions extends DemoRunOptions {
  readonly budget: RoboticsDemoBudget;
  readonly methods?: readonly RoboticsMethod[];
  /** The two scenarios (default `WEAK_MOTOR`, `NEW_GOAL`; tests shorten their episodes). */
  readonly scenarios?: { readonly weakMotor: Scenario; readonly newGoal: Scenario };
  /** Worker processes training and rolling out in parallel (default: one per core). */
  readonly workers?: number;
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
  /** Worker processes the runs were spread over (one intra-op thread each). */
  readonly workers: number;
  /** CPU seconds of the demo and its workers (user + system). */
  readonly cpuSeconds: number;
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
  const cpuAtStart = process.cpuUsage();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = o.cwd ?? process.cwd();
  const { budget } = o;
  // The backend report for the machine line; the training itself runs in the workers.
  const backend = await initBackend();
  const work = path.resolve(o.workDir);
  await prepareWorkDir(work, 'robotics');
  // One intra-op thread per worker: the cores go to independent runs, and a run's numbers do not
  // depend on how many workers share the machine.
  const pool = new WorkerPool<RoboticsJob, RoboticsJobResult>({
    entry: fileURLToPath(new URL('./worker.ts', import.meta.url)),
    workers: o.workers ?? defaultWorkers(),
    env: { PEFTKIT_THREADS: '1', PEFTKIT_DEMO_CWD: cwd },
    log,
  });
  let scenarios: ScenarioReport[];
  let workerCpu: number;
  try {
    const { weakMotor, newGoal } = o.scenarios ?? { weakMotor: WEAK_MOTOR, newGoal: NEW_GOAL };
    const run = [
      [weakMotor, budget.weakMotor],
      [newGoal, budget.newGoal],
    ] as const;
    scenarios = await Promise.all(
      run.flatMap(([scenario, b]) =>
        b
          ? [
              runScenario(scenario, {
                pool,
                dir: path.join(work, scenario.id),
                budget: b,
                seed: budget.seed,
                trainSeeds: budget.trainSeeds,
                methods: o.methods ?? DEMO_METHODS,
                cwd,
                log,
              }),
            ]
          : [],
      ),
    );
  } finally {
    workerCpu = await pool.close();
  }
  const own = process.cpuUsage(cpuAtStart);
  return {
    demo: 'robotics',
    date: new Date().toISOString(),
    machine: machineInfo(backend),
    seed: budget.seed,
    trainSeeds: budget.trainSeeds,
    scenarios,
    wallTimeSeconds: seconds(started),
    workers: pool.size,
    cpuSeconds: (own.user + own.system) / 1e6 + workerCpu,
    loadAverage: [loadAtStart, os.loadavg()[0] ?? 0],
  };
}

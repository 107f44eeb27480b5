import * as path from 'node:path';
import { createPeftkit, initBackend } from '@peftkit/core';
import { visionPlugin } from '@peftkit/vision';
import type { CliStep } from '../cli-step.js';
import type { DemoRunOptions } from '../demo-cli.js';
import { type MachineInfo, machineInfo } from '../machine.js';
import { seconds, stepTrainer } from '../train-step.js';
import { prepareWorkDir, writeConfigFile } from '../work-dir.js';
import { DEMO_PRESET, demoConfig, PRETRAIN_LR, type VisionDemoBudget } from './config.js';
import { DEMO_METHODS, type DemoMethod } from './methods.js';
import type { MethodResult } from './report.js';
import { runMethod } from './run-method.js';
import { SCANNER_B, type ScannerProfile } from './scanner.js';
import { type TargetData, writeTargetData } from './target-data.js';

export interface VisionDemoOptions extends DemoRunOptions {
  readonly budget: VisionDemoBudget;
  readonly methods?: readonly DemoMethod[];
}

export interface VisionDemoReport {
  readonly demo: 'vision';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly budget: VisionDemoBudget;
  readonly scanner: ScannerProfile;
  /** The base: full training on the source digits, scored on the source test digits. */
  readonly source: {
    readonly accuracy: number | null;
    readonly macroF1: number | null;
    readonly steps: number;
    readonly trainSeconds: number;
    readonly runDir: string;
    readonly command: string;
  };
  readonly target: TargetData;
  readonly results: readonly MethodResult[];
  readonly wallTimeSeconds: number;
}

/**
 * The "a hospital adapts a classifier to its new scanner" demo: pretrain a tiny ResNet on the
 * source digits, acquire held-out digits with scanner B into a MedMNIST-style `.npz`, then
 * compare zero-shot, linear probe, LoRA, IA3, bottleneck adapters and full fine-tuning on the
 * target test split, all with the same step budget and seed.
 */
export async function runVisionDemo(o: VisionDemoOptions): Promise<VisionDemoReport> {
  const started = performance.now();
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = o.cwd ?? process.cwd();
  const { budget } = o;
  const backend = await initBackend();
  const host = await createPeftkit({ plugins: [visionPlugin], strict: true });
  const work = path.resolve(o.workDir);
  await prepareWorkDir(work, 'vision');
  const configFile = path.join(work, 'demo-config.json');
  await writeConfigFile(configFile, demoConfig(budget));
  const limit =
    budget.limitPerDigit === undefined ? [] : [`data.options.limitPerDigit=${budget.limitPerDigit}`];
  const train = stepTrainer(host, { cwd, progress: o.progress ?? 'auto', log });

  log(`demo: [1/3] pretraining the base on the source scanner (mnist digits, ${budget.pretrainSteps} steps)`);
  const pretrain: CliStep = {
    command: 'pretrain',
    preset: DEMO_PRESET,
    config: configFile,
    set: [`training.lr=${PRETRAIN_LR}`, `training.evalEvery.steps=${budget.pretrainSteps}`, ...limit],
    data: 'mnist:train',
    evalData: 'mnist:test',
    out: path.join(work, 'base'),
    maxSteps: budget.pretrainSteps,
    seed: budget.seed,
  };
  const base = await train(pretrain);
  const sourceMetrics = base.result.summary.finalMetrics ?? {};

  log('demo: [2/3] acquiring held-out digits with scanner B (MedMNIST-style .npz)');
  const target = await writeTargetData({
    file: path.join(work, 'data', 'scanner-b.npz'),
    profile: SCANNER_B,
    seed: budget.seed,
    trainFraction: budget.targetTrain,
    valFraction: budget.targetVal,
    limitPerDigit: budget.limitPerDigit,
  });
  log(`demo: ${path.relative(cwd, target.file)}: ${JSON.stringify(target.counts)}`);

  log(`demo: [3/3] adapting to scanner B (${budget.adaptSteps} steps each), scoring the test split`);
  const results: MethodResult[] = [];
  for (const method of o.methods ?? DEMO_METHODS) {
    results.push(
      await runMethod(host, method, { base: base.result.outputDir, target, budget, configFile, train }),
    );
    const r = results.at(-1);
    if (r?.status === 'ok') log(`demo: ${method.id}: test accuracy ${r.accuracy?.toFixed(4)}`);
    else log(`demo: ${method.id}: skipped (${r?.reason})`);
  }
  return {
    demo: 'vision',
    date: new Date().toISOString(),
    machine: machineInfo(backend),
    budget,
    scanner: SCANNER_B,
    source: {
      accuracy: sourceMetrics['accuracy'] ?? null,
      macroF1: sourceMetrics['macro_f1'] ?? null,
      steps: base.result.summary.steps,
      trainSeconds: base.seconds,
      runDir: base.result.outputDir,
      command: base.command,
    },
    target,
    results,
    wallTimeSeconds: seconds(started),
  };
}

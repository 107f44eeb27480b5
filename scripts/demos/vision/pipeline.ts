import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createPeftkit, initBackend, trainRun, UserError } from '@peftkit/core';
import { visionPlugin } from '@peftkit/vision';
import { type MachineInfo, machineInfo } from '../machine.js';
import { type CliStep, resolveStep, stepCommand } from './cli-step.js';
import { DEMO_PRESET, demoConfig, PRETRAIN_LR, type VisionDemoBudget } from './config.js';
import { DEMO_METHODS, type DemoMethod } from './methods.js';
import type { MethodResult } from './report.js';
import { runMethod, seconds, type Train } from './run-method.js';
import { SCANNER_B, type ScannerProfile } from './scanner.js';
import { type TargetData, writeTargetData } from './target-data.js';

export interface VisionDemoOptions {
  /** Everything the demo writes goes here (wiped at the start; must be empty or a previous demo's). */
  readonly workDir: string;
  readonly budget: VisionDemoBudget;
  readonly methods?: readonly DemoMethod[];
  /** Paths in printed commands are relative to this (default `process.cwd()`). */
  readonly cwd?: string;
  /** Training progress on stderr (default 'auto': a bar on a TTY). */
  readonly progress?: 'auto' | 'plain' | 'none';
  readonly log?: (line: string) => void;
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

/** Marks a work dir as the demo's own, so a rerun may wipe it and nothing else. */
const MARKER = '.peftkit-demo';

async function prepareWorkDir(dir: string): Promise<void> {
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  if (entries.length && !entries.includes(MARKER)) {
    throw new UserError(`${dir} exists and was not written by the demo; choose another --work dir`);
  }
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, MARKER), 'written by `pnpm demo vision`; safe to delete\n');
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
  await prepareWorkDir(work);
  const configFile = path.join(work, 'demo-config.json');
  await fs.writeFile(configFile, `${JSON.stringify(demoConfig(budget), null, 2)}\n`);
  const limit =
    budget.limitPerDigit === undefined ? [] : [`data.options.limitPerDigit=${budget.limitPerDigit}`];
  const train: Train = async (step) => {
    const command = stepCommand(step, cwd);
    log(`demo: ${command}`);
    const config = await resolveStep(host, step);
    const t0 = performance.now();
    const result = await trainRun(host, { config, outDir: step.out, progress: o.progress ?? 'auto', log });
    return { result, seconds: seconds(t0), command };
  };

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

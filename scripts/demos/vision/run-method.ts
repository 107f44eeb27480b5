import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type PeftkitHost, type TrainRunResult, UserError } from '@peftkit/core';
import type { CliStep } from './cli-step.js';
import { DEMO_PRESET, type VisionDemoBudget } from './config.js';
import { evaluateSplit } from './evaluate-split.js';
import type { DemoMethod } from './methods.js';
import { bytesOf, type MethodResult } from './report.js';
import type { TargetData } from './target-data.js';

/** Seconds since `from` (a `performance.now()` reading). */
export const seconds = (from: number) => (performance.now() - from) / 1000;

/** Runs one CLI step in-process: its result, wall time and the command line it stands for. */
export type Train = (step: CliStep) => Promise<{ result: TrainRunResult; seconds: number; command: string }>;

const METRICS = ['accuracy', 'macro_f1'] as const;

export interface MethodContext {
  readonly base: string;
  readonly target: TargetData;
  readonly budget: VisionDemoBudget;
  readonly configFile: string;
  readonly train: Train;
}

const FULL_FILES = ['model.safetensors', 'head.safetensors'] as const;
const ADAPTER_FILES = ['adapter_model.safetensors'] as const;

/**
 * One row: zero-shot scores the base as is; every other method trains from the base on the
 * target train split (scored on its val split while training) and is then scored on the test
 * split. A method the architecture cannot host becomes a skipped row with the reason.
 */
export async function runMethod(
  host: PeftkitHost,
  method: DemoMethod,
  c: MethodContext,
): Promise<MethodResult> {
  const common = { id: method.id, label: method.label };
  // Zero-shot ships the base as is: its size and parameter count are the base's.
  if (!method.set) {
    const metrics = await evaluateSplit(host, c.base, c.target.file, 'test', METRICS);
    const summary = JSON.parse(await fs.readFile(path.join(c.base, 'summary.json'), 'utf8')) as {
      totalParameters: number;
    };
    return {
      ...common,
      status: 'ok',
      accuracy: metrics['accuracy'] ?? null,
      macroF1: metrics['macro_f1'] ?? null,
      trainableParameters: 0,
      totalParameters: summary.totalParameters,
      weightBytes: await bytesOf(c.base, FULL_FILES),
      weightFiles: FULL_FILES,
      trainSeconds: 0,
      runDir: c.base,
      command: null,
    };
  }
  const step: CliStep = {
    command: 'train',
    preset: DEMO_PRESET,
    config: c.configFile,
    set: [...method.set, `training.evalEvery.steps=${c.budget.adaptSteps}`],
    // The archive's own val split (the reader's `evalSplit`) scores training; without
    // --eval-data the CLI would hold out 10% of the train split instead.
    data: c.target.file,
    evalData: c.target.file,
    base: c.base,
    out: path.join(path.dirname(c.base), 'adapt', method.id),
    maxSteps: c.budget.adaptSteps,
    seed: c.budget.seed,
  };
  let trained: Awaited<ReturnType<Train>>;
  try {
    trained = await c.train(step);
  } catch (err) {
    // A method the architecture cannot host (no matching roles or module types) is reported
    // as `peft: ...` before any training: skip the row and say why.
    if (err instanceof UserError && err.message.startsWith('peft:')) {
      return { ...common, ...EMPTY, status: 'skipped', reason: err.message.replace(/^peft:\s*/, '') };
    }
    throw err;
  }
  const { result } = trained;
  const files = result.kind === 'full' ? FULL_FILES : ADAPTER_FILES;
  const metrics = await evaluateSplit(host, result.outputDir, c.target.file, 'test', METRICS);
  return {
    ...common,
    status: 'ok',
    accuracy: metrics['accuracy'] ?? null,
    macroF1: metrics['macro_f1'] ?? null,
    trainableParameters: result.summary.trainableParameters,
    totalParameters: result.summary.totalParameters,
    weightBytes: await bytesOf(result.outputDir, files),
    weightFiles: files,
    trainSeconds: trained.seconds,
    runDir: result.outputDir,
    command: trained.command,
  };
}

const EMPTY = {
  accuracy: null,
  macroF1: null,
  trainableParameters: null,
  totalParameters: null,
  weightBytes: null,
  weightFiles: [],
  trainSeconds: null,
  runDir: null,
  command: null,
} as const;

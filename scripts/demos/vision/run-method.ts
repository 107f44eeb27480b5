import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import type { CliStep } from '../cli-step.js';
import { bytesOf, FULL_FILES, skippedRow, trainedRow } from '../method-row.js';
import { type Train, trainOrSkip } from '../train-step.js';
import { DEMO_PRESET, type VisionDemoBudget } from './config.js';
import { evaluateSplit } from './evaluate-split.js';
import type { DemoMethod } from './methods.js';
import type { MethodResult } from './report.js';
import type { TargetData } from './target-data.js';

const METRICS = ['accuracy', 'macro_f1'] as const;

export interface MethodContext {
  readonly base: string;
  readonly target: TargetData;
  readonly budget: VisionDemoBudget;
  readonly configFile: string;
  readonly train: Train;
}

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
  const outcome = await trainOrSkip(c.train, step);
  if ('skipped' in outcome) return { ...skippedRow(method, outcome.skipped), accuracy: null, macroF1: null };
  const row = await trainedRow(method, outcome.trained);
  const metrics = await evaluateSplit(host, outcome.trained.result.outputDir, c.target.file, 'test', METRICS);
  return { ...row, accuracy: metrics['accuracy'] ?? null, macroF1: metrics['macro_f1'] ?? null };
}

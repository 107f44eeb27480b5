import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import type { CliStep } from '../cli-step.js';
import { bytesOf, FULL_FILES, type MethodRow, skippedRow, trainedRow } from '../method-row.js';
import { type Train, trainOrSkip } from '../train-step.js';
import type { SpeechDemoBudget } from './config.js';
import { type AccentScore, evaluateAccents } from './evaluate-accents.js';
import type { SpeechDemoMethod } from './methods.js';

/** One row: CER/WER on the target accent's and the source accent's held-out speakers. */
export interface MethodResult extends MethodRow {
  readonly lr: number | null;
  readonly target: AccentScore | null;
  readonly source: AccentScore | null;
  /** CER on the target dev speakers at the end of training (what a user would tune on). */
  readonly devCer: number | null;
}

export interface MethodContext {
  readonly base: string;
  /** Weights of the base (its pretraining record). */
  readonly baseParameters: number;
  /** The target accent's Common Voice folder (train, dev, test). */
  readonly targetCorpus: string;
  /** Held-out test TSVs: `target` and `source`. */
  readonly tests: { readonly target: string; readonly source: string };
  readonly budget: SpeechDemoBudget;
  readonly preset: string;
  readonly configFile: string;
  /** Runs go to `<adaptDir>/<method id>`. */
  readonly adaptDir: string;
  readonly train: Train;
}

const scores = async (host: PeftkitHost, dir: string, c: MethodContext) => {
  const s = await evaluateAccents(host, dir, { target: c.tests.target, source: c.tests.source });
  return { target: s['target'] ?? null, source: s['source'] ?? null };
};

/**
 * One row: zero-shot scores the base as is; every other method trains from the base on the
 * target accent's training speakers, then is scored on the held-out target and source speakers.
 * A method the architecture cannot host becomes a skipped row with the reason.
 */
export async function runMethod(
  host: PeftkitHost,
  method: SpeechDemoMethod,
  c: MethodContext,
): Promise<MethodResult> {
  if (!method.set) {
    return {
      id: method.id,
      label: method.label,
      status: 'ok',
      trainableParameters: 0,
      totalParameters: c.baseParameters,
      weightBytes: await bytesOf(c.base, FULL_FILES),
      weightFiles: FULL_FILES,
      trainSeconds: 0,
      runDir: c.base,
      command: null,
      lr: null,
      devCer: null,
      ...(await scores(host, c.base, c)),
    };
  }
  const step: CliStep = {
    command: 'train',
    preset: c.preset,
    config: c.configFile,
    set: [...method.set, ...(method.lr ? [`training.lr=${method.lr}`] : [])],
    data: c.targetCorpus,
    base: c.base,
    out: path.join(c.adaptDir, method.id),
    maxSteps: c.budget.adaptSteps,
    seed: c.budget.seed,
  };
  const outcome = await trainOrSkip(c.train, step);
  if ('skipped' in outcome) {
    return {
      ...skippedRow(method, outcome.skipped),
      lr: method.lr ?? null,
      target: null,
      source: null,
      devCer: null,
    };
  }
  const row = await trainedRow(method, outcome.trained);
  const dir = outcome.trained.result.outputDir;
  return {
    ...row,
    lr: method.lr ?? null,
    devCer: outcome.trained.result.summary.finalMetrics?.['cer'] ?? null,
    ...(await scores(host, dir, c)),
  };
}

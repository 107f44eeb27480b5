import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import type { CliStep } from '../cli-step.js';
import { type MethodRow, skippedRow, trainedRow } from '../method-row.js';
import { type Train, trainOrSkip } from '../train-step.js';
import { ADAPT_PRESET, type NlpDemoBudget } from './config.js';
import { type DomainScores, evaluateDomains } from './evaluate-domains.js';
import type { NlpDemoMethod } from './methods.js';
import type { SentenceData } from './sentence-data.js';

/** One method's outcome on the held-out sentences of each domain. */
export interface MethodResult extends MethodRow, DomainScores {
  readonly lr: number;
  /** Accuracy on the val split at the end of training (what a user would tune on). */
  readonly valAccuracy: number | null;
}

export interface MethodContext {
  /** The pretrained base checkpoint. */
  readonly base: string;
  /** The base's vocabulary as a Hugging Face tokenizer directory (for rows without the base). */
  readonly tokenizerDir: string;
  readonly data: SentenceData;
  readonly budget: NlpDemoBudget;
  readonly configFile: string;
  /** Runs go to `<adaptDir>/<method id>`. */
  readonly adaptDir: string;
  readonly train: Train;
}

/**
 * One row: trains from the base (or, for `fromScratch`, a random BERT of the same shape and
 * vocabulary) on the mixed-domain train split, scored on the val split while training, then
 * scored on each domain's held-out test sentences. A method the architecture cannot host becomes
 * a skipped row with the reason.
 */
export async function runMethod(
  host: PeftkitHost,
  method: NlpDemoMethod,
  c: MethodContext,
): Promise<MethodResult> {
  const step: CliStep = {
    command: 'train',
    preset: ADAPT_PRESET,
    config: c.configFile,
    set: [
      ...method.set,
      `training.lr=${method.lr}`,
      ...(method.fromScratch ? [`preprocess.options.tokenizer=${c.tokenizerDir}`] : []),
      `training.evalEvery.steps=${c.budget.adaptSteps}`,
    ],
    data: c.data.trainFile,
    evalData: c.data.valFile,
    ...(method.fromScratch ? {} : { base: c.base }),
    out: path.join(c.adaptDir, method.id),
    maxSteps: c.budget.adaptSteps,
    seed: c.budget.seed,
  };
  const outcome = await trainOrSkip(c.train, step);
  if ('skipped' in outcome) {
    return {
      ...skippedRow(method, outcome.skipped),
      lr: method.lr,
      accuracy: null,
      domains: {},
      valAccuracy: null,
    };
  }
  const row = await trainedRow(method, outcome.trained);
  const { result } = outcome.trained;
  const scores = await evaluateDomains(host, result.outputDir, c.data.domains);
  return { ...row, lr: method.lr, ...scores, valAccuracy: result.summary.finalMetrics?.['accuracy'] ?? null };
}

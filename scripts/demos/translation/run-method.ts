import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { evaluateRun, loadRun, type PeftkitHost } from '@peftkit/core';
import type { CliStep } from '../cli-step.js';
import { bytesOf, type MethodRow, skippedRow, trainedRow } from '../method-row.js';
import { type Train, trainOrSkip } from '../train-step.js';
import { TRANSLATION_PRESET, type TranslationDemoBudget } from './config.js';
import type { TranslationMethod } from './methods.js';
import type { PhraseSplits } from './phrase-data.js';

/** What zero-shot ships: the base's weights (a translation run has no separate head file). */
const BASE_FILES = ['model.safetensors'] as const;

/** BLEU and chrF (0..100, sacreBLEU's definitions) of a run on held-out pairs. */
export interface TranslationScores {
  readonly bleu: number | null;
  readonly chrf: number | null;
}

/** One row's outcome on the new domain's test split, and on the base's own test split. */
export interface MethodResult extends MethodRow {
  readonly lr: number;
  readonly test: TranslationScores;
  /** The same run on the base domain's held-out measurements: what adapting cost the old task. */
  readonly baseDomain: TranslationScores;
}

export interface MethodContext {
  /** The base: a full `train` run on the measurements. */
  readonly base: string;
  readonly target: PhraseSplits;
  /** The base domain's test split. */
  readonly baseTestFile: string;
  readonly budget: TranslationDemoBudget;
  readonly configFile: string;
  /** Runs go to `<adaptDir>/<method id>`. */
  readonly adaptDir: string;
  readonly train: Train;
}

/**
 * BLEU and chrF of `runDir` on each file: what `peftkit eval --adapter <run> --data <file>` prints
 * (greedy decoding as the run's head config says), with the run loaded once.
 */
export async function scoreRun(
  host: PeftkitHost,
  runDir: string,
  files: readonly string[],
): Promise<TranslationScores[]> {
  const run = await loadRun(host, runDir);
  try {
    const out: TranslationScores[] = [];
    for (const data of files) {
      const { metrics } = await evaluateRun(host, run, { data, metrics: ['bleu', 'chrf'] });
      out.push({ bleu: metrics['bleu'] ?? null, chrf: metrics['chrf'] ?? null });
    }
    return out;
  } finally {
    run.model.dispose();
  }
}

/**
 * One row: zero-shot scores the base as is; every other row trains from the base on the date
 * phrases' train split (scored on their val split at the end) and is then scored on the held-out
 * date phrases and the base's held-out measurements. A method the architecture cannot host becomes a
 * skipped row with the reason.
 */
export async function runMethod(
  host: PeftkitHost,
  method: TranslationMethod,
  c: MethodContext,
): Promise<MethodResult> {
  const files = [c.target.testFile, c.baseTestFile];
  if (!method.set) {
    const [test, baseDomain] = (await scoreRun(host, c.base, files)) as [
      TranslationScores,
      TranslationScores,
    ];
    const summary = JSON.parse(await fs.readFile(path.join(c.base, 'summary.json'), 'utf8')) as {
      totalParameters: number;
    };
    return {
      id: method.id,
      label: method.label,
      status: 'ok',
      trainableParameters: 0,
      totalParameters: summary.totalParameters,
      weightBytes: await bytesOf(c.base, BASE_FILES),
      weightFiles: BASE_FILES,
      trainSeconds: 0,
      runDir: c.base,
      command: null,
      lr: method.lr,
      test,
      baseDomain,
    };
  }
  const step: CliStep = {
    command: 'train',
    preset: TRANSLATION_PRESET,
    config: c.configFile,
    set: [...method.set, `training.lr=${method.lr}`, `training.evalEvery.steps=${c.budget.adaptSteps}`],
    data: c.target.trainFile,
    evalData: c.target.valFile,
    base: c.base,
    out: path.join(c.adaptDir, method.id),
    maxSteps: c.budget.adaptSteps,
    seed: c.budget.seed,
  };
  const outcome = await trainOrSkip(c.train, step);
  const none = { bleu: null, chrf: null };
  if ('skipped' in outcome) {
    return { ...skippedRow(method, outcome.skipped), lr: method.lr, test: none, baseDomain: none };
  }
  const row = await trainedRow(method, outcome.trained);
  const [test, baseDomain] = (await scoreRun(host, outcome.trained.result.outputDir, files)) as [
    TranslationScores,
    TranslationScores,
  ];
  return { ...row, lr: method.lr, test, baseDomain };
}

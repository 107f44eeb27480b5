import * as path from 'node:path';
import { createPeftkit, initBackend } from '@peftkit/core';
import { nlpPlugin } from '@peftkit/nlp';
import { type CliStep, stepCommand } from '../cli-step.js';
import type { DemoRunOptions } from '../demo-cli.js';
import { type MachineInfo, machineInfo } from '../machine.js';
import { seconds, stepTrainer, type Train } from '../train-step.js';
import { prepareWorkDir, writeConfigFile } from '../work-dir.js';
import {
  type BaseRecord,
  COMMITTED_BASE,
  exportTokenizer,
  modelShape,
  readBaseRecord,
  saveBase,
} from './base-checkpoint.js';
import { adaptConfig, BASE_RECIPE, DEMO_DOMAINS, type NlpDemoBudget, pretrainConfig } from './config.js';
import { writeEmailCorpus } from './email-corpus.js';
import { DEMO_METHODS, type NlpDemoMethod } from './methods.js';
import { type MethodResult, runMethod } from './run-method.js';
import { type SentenceData, writeSentenceData } from './sentence-data.js';

export interface NlpDemoOptions extends DemoRunOptions {
  readonly budget: NlpDemoBudget;
  /** Pretrain the base from scratch into the work dir instead of adapting the committed one. */
  readonly pretrain: boolean;
  /** With `pretrain`: also copy the new base here (how the committed base is refreshed). */
  readonly saveBase?: string | undefined;
  /** The demo's own command line, recorded with a base pretrained now. */
  readonly command?: string;
  /** The base to adapt without `pretrain` (default: the committed `scripts/demos/nlp/base`). */
  readonly base?: string;
  readonly methods?: readonly NlpDemoMethod[];
}

export interface NlpDemoReport {
  readonly demo: 'nlp';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly budget: NlpDemoBudget;
  /** The base every row but `scratch` adapts, and how it was made. */
  readonly base: {
    readonly dir: string;
    readonly pretrainedNow: boolean;
    readonly record: BaseRecord;
  };
  readonly data: SentenceData;
  readonly results: readonly MethodResult[];
  readonly wallTimeSeconds: number;
}

/**
 * `peftkit pretrain --preset nlp/domain-mlm` on the email corpus written into `work`: the base
 * the committed one reproduces, with its record.
 */
async function pretrainBase(
  train: Train,
  o: { work: string; budget: NlpDemoBudget; cwd: string; machine: MachineInfo; command: string },
): Promise<{ dir: string; record: BaseRecord }> {
  const corpus = await writeEmailCorpus({
    dir: path.join(o.work, 'data'),
    evalEvery: 20,
    maxEvalPieces: 1000,
    messagesPerGroup: o.budget.messagesPerGroup,
  });
  const config = path.join(o.work, 'pretrain-config.json');
  await writeConfigFile(config, pretrainConfig(o.budget));
  const step: CliStep = {
    command: 'pretrain',
    preset: BASE_RECIPE.preset,
    config,
    set: [],
    data: corpus.trainFile,
    evalData: corpus.evalFile,
    out: path.join(o.work, 'base'),
    maxSteps: o.budget.pretrainSteps,
    seed: o.budget.seed,
  };
  const { result, seconds: trainSeconds } = await train(step);
  const final = result.summary.finalMetrics ?? {};
  const record: BaseRecord = {
    command: stepCommand(step, o.cwd),
    demoCommand: o.command,
    date: new Date().toISOString(),
    machine: o.machine,
    model: await modelShape(result.outputDir),
    steps: result.summary.steps,
    batchSize: BASE_RECIPE.batchSize,
    mlmProbability: BASE_RECIPE.mlmProbability,
    trainSeconds,
    mlmAccuracy: final['accuracy'] ?? null,
    mlmLoss: final['loss'] ?? null,
    parameters: result.summary.totalParameters,
    corpus: corpus.counts,
  };
  return { dir: result.outputDir, record };
}

/**
 * The "a small team adapts its own text model to review sentiment" demo: a small BERT pretrained
 * by peftkit with masked LM on emails (committed, or `--pretrain`ed now), adapted on the UCI
 * sentences of three review domains with a linear probe, LoRA, IA3, bottleneck adapters and full
 * fine-tuning (plus a BERT trained from random init as the reference), all with the same steps,
 * batch and seed, and scored on each domain's held-out sentences.
 */
export async function runNlpDemo(o: NlpDemoOptions): Promise<NlpDemoReport> {
  const started = performance.now();
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = o.cwd ?? process.cwd();
  const { budget } = o;
  const backend = await initBackend();
  const machine = machineInfo(backend);
  const host = await createPeftkit({ plugins: [nlpPlugin], strict: true });
  const work = path.resolve(o.workDir);
  await prepareWorkDir(work, 'nlp');
  const train = stepTrainer(host, { cwd, progress: o.progress ?? 'auto', log });

  let base: NlpDemoReport['base'];
  if (o.pretrain) {
    log(
      `demo: [1/3] pretraining the base: masked LM on the SpamAssassin emails (${budget.pretrainSteps} steps)`,
    );
    const command = o.command ?? 'pnpm demo nlp --pretrain';
    const made = await pretrainBase(train, { work, budget, cwd, machine, command });
    if (o.saveBase) {
      await saveBase(made.dir, made.record, path.resolve(o.saveBase));
      log(`demo: saved the base to ${path.relative(cwd, path.resolve(o.saveBase))}`);
    }
    base = { dir: made.dir, pretrainedNow: true, record: made.record };
  } else {
    const dir = path.resolve(o.base ?? COMMITTED_BASE);
    log(
      `demo: [1/3] using the committed base ${path.relative(cwd, dir)} (pnpm demo nlp --pretrain remakes it)`,
    );
    base = { dir, pretrainedNow: false, record: await readBaseRecord(dir) };
  }
  // The from-scratch row tokenises with the base's vocabulary, so only the weights differ.
  const tokenizerDir = path.join(work, 'tokenizer');
  await exportTokenizer(base.dir, tokenizerDir);

  log(`demo: [2/3] writing the UCI sentiment sentences (${DEMO_DOMAINS.join(', ')}) as JSONL splits`);
  const data = await writeSentenceData({
    dir: path.join(work, 'data'),
    domains: DEMO_DOMAINS,
    trainFraction: budget.trainFraction,
    valFraction: budget.valFraction,
    seed: budget.seed,
    limitPerLabel: budget.limitPerLabel,
  });
  const configFile = path.join(work, 'adapt-config.json');
  await writeConfigFile(configFile, adaptConfig(budget));

  log(
    `demo: [3/3] adapting to sentiment (${budget.adaptSteps} steps each), scoring each domain's test split`,
  );
  const results: MethodResult[] = [];
  for (const method of o.methods ?? DEMO_METHODS) {
    const r = await runMethod(host, method, {
      base: base.dir,
      tokenizerDir,
      data,
      budget,
      configFile,
      adaptDir: path.join(work, 'adapt'),
      train,
    });
    results.push(r);
    if (r.status === 'ok') log(`demo: ${method.id}: test accuracy ${r.accuracy?.toFixed(4)}`);
    else log(`demo: ${method.id}: skipped (${r.reason})`);
  }
  return {
    demo: 'nlp',
    date: new Date().toISOString(),
    machine,
    budget,
    base,
    data,
    results,
    wallTimeSeconds: seconds(started),
  };
}

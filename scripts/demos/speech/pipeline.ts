import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit, initBackend } from '@peftkit/core';
import { speechPlugin } from '@peftkit/speech/plugin';
import type { CliStep } from '../cli-step.js';
import type { DemoRunOptions } from '../demo-cli.js';
import { type MachineInfo, machineInfo } from '../machine.js';
import { seconds, stepTrainer, type Train } from '../train-step.js';
import { prepareWorkDir, writeConfigFile } from '../work-dir.js';
import type { DemoAccent } from './accent-corpus.js';
import { type BaseRecord, COMMITTED_BASE, readBaseRecord, saveBase } from './base-checkpoint.js';
import {
  adaptConfig,
  BASE_MODEL,
  BASE_RECIPE,
  type CorpusPlan,
  pretrainConfig,
  SOURCE_ACCENT,
  type SpeechDemoBudget,
  TARGET_ACCENT,
} from './config.js';
import { type CachedCorpus, cachedAccentCorpus } from './corpus-cache.js';
import { DEMO_METHODS, type SpeechDemoMethod } from './methods.js';
import { type MethodResult, runMethod } from './run-method.js';

/** The work dir's corpus cache: kept when a rerun wipes the rest. */
const CORPORA = 'corpora';

export interface SpeechDemoOptions extends DemoRunOptions {
  readonly budget: SpeechDemoBudget;
  /** Pretrain the base now (into the work dir) instead of adapting the committed one. */
  readonly pretrain: boolean;
  /** With `pretrain`: also copy the new base here (how the committed base is refreshed). */
  readonly saveBase?: string | undefined;
  /** The demo's own command line, recorded with a base pretrained now. */
  readonly command?: string;
  /** The base to adapt without `pretrain` (default: the committed `scripts/demos/speech/base`). */
  readonly base?: string;
  readonly methods?: readonly SpeechDemoMethod[];
}

/** A corpus the demo used, for the report. */
export interface CorpusReport {
  readonly accent: string;
  readonly voice: string;
  readonly clips: Readonly<Record<string, number>>;
  readonly reused: boolean;
  readonly synthSeconds: number;
}

export interface SpeechDemoReport {
  readonly demo: 'speech';
  readonly date: string;
  readonly machine: MachineInfo;
  /** `uptime` load averages (1, 5, 15 min) at the end: other work sharing the machine. */
  readonly loadAverage: readonly number[];
  readonly budget: SpeechDemoBudget;
  readonly sourceAccent: DemoAccent;
  readonly targetAccent: DemoAccent;
  readonly base: { readonly dir: string; readonly pretrainedNow: boolean; readonly record: BaseRecord };
  readonly corpora: { readonly target: CorpusReport; readonly sourceTest: CorpusReport };
  readonly results: readonly MethodResult[];
  /** Every `peftkit` command behind the table (pretraining first when run now). */
  readonly commands: readonly string[];
  readonly wallTimeSeconds: number;
}

const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

const clipsPerSplit = (c: CachedCorpus, accent: string): Record<string, number> =>
  Object.fromEntries(Object.entries(c.counts).map(([split, byAccent]) => [split, byAccent[accent] ?? 0]));

/** One accent's corpus from the cache (synthesised on a miss). */
function corpus(
  cacheDir: string,
  name: string,
  accent: DemoAccent,
  plan: CorpusPlan,
  log: (line: string) => void,
): Promise<CachedCorpus> {
  return cachedAccentCorpus(
    cacheDir,
    name,
    {
      accents: [accent],
      speakers: plan.speakers,
      clipsPerSpeaker: plan.clipsPerSpeaker,
      noiseSnrDb: plan.noiseSnrDb,
      seed: plan.seed,
    },
    log,
  );
}

const corpusReport = (c: CachedCorpus, a: DemoAccent): CorpusReport => ({
  accent: a.accent,
  voice: a.voice,
  clips: clipsPerSplit(c, a.accent),
  reused: c.reused,
  synthSeconds: c.synthSeconds,
});

/** `peftkit pretrain --preset speech/accent-adaptation` on the source accent: the committed base's recipe. */
async function pretrainBase(
  train: Train,
  o: {
    work: string;
    cacheDir: string;
    budget: SpeechDemoBudget;
    cwd: string;
    machine: MachineInfo;
    command: string;
    log: (line: string) => void;
  },
): Promise<{ dir: string; record: BaseRecord; command: string }> {
  const source = await corpus(o.cacheDir, 'source-train', SOURCE_ACCENT, o.budget.pretrain.corpus, o.log);
  const config = path.join(o.work, 'pretrain-config.json');
  await writeConfigFile(config, pretrainConfig(o.budget.pretrain.steps));
  const step: CliStep = {
    command: 'pretrain',
    preset: BASE_RECIPE.preset,
    config,
    set: [],
    data: source.dir,
    out: path.join(o.work, 'base'),
    maxSteps: o.budget.pretrain.steps,
    seed: o.budget.seed,
  };
  const { result, seconds: trainSeconds, command } = await train(step);
  const final = result.summary.finalMetrics ?? {};
  const record: BaseRecord = {
    command,
    demoCommand: o.command,
    date: new Date().toISOString(),
    machine: o.machine,
    loadAverage: loadAverage(),
    model: { ...BASE_MODEL },
    parameters: result.summary.totalParameters,
    steps: result.summary.steps,
    batchSize: BASE_RECIPE.batchSize,
    trainSeconds,
    synthSeconds: source.synthSeconds,
    sourceAccent: SOURCE_ACCENT.accent,
    voice: SOURCE_ACCENT.voice,
    sourceCer: final['cer'] ?? null,
    sourceWer: final['wer'] ?? null,
    corpus: source.counts,
  };
  return { dir: result.outputDir, record, command };
}

/**
 * The "a recogniser meets a new accent" demo: a small CTC recogniser pretrained by peftkit on
 * synthetic source-accent speech (committed, or `--pretrain`ed now), adapted to a synthetic
 * target accent with LoRA, MMS-style bottleneck adapters, IA3 and full fine-tuning, all with the
 * same clips, steps, batch and seed, scored by CER/WER on held-out speakers of the target accent
 * and of the source accent (forgetting).
 */
export async function runSpeechDemo(o: SpeechDemoOptions): Promise<SpeechDemoReport> {
  const started = performance.now();
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = o.cwd ?? process.cwd();
  const { budget } = o;
  const backend = await initBackend();
  const machine = machineInfo(backend);
  const host = await createPeftkit({ plugins: [speechPlugin], strict: true });
  const work = path.resolve(o.workDir);
  await prepareWorkDir(work, 'speech', [CORPORA]);
  const cacheDir = path.join(work, CORPORA);
  const train = stepTrainer(host, { cwd, progress: o.progress ?? 'auto', log });
  const commands: string[] = [];
  log('demo: the accents are eSpeak NG voices: synthetic speech, a domain-shift proxy for real accents');

  let base: SpeechDemoReport['base'];
  if (o.pretrain) {
    log(
      `demo: [1/3] pretraining the base on synthetic ${SOURCE_ACCENT.accent} (${budget.pretrain.steps} steps)`,
    );
    const command = o.command ?? 'pnpm demo speech --pretrain';
    const made = await pretrainBase(train, { work, cacheDir, budget, cwd, machine, command, log });
    commands.push(made.command);
    if (o.saveBase) {
      await saveBase(made.dir, made.record, path.resolve(o.saveBase), cwd);
      log(`demo: saved the base to ${path.relative(cwd, path.resolve(o.saveBase))}`);
    }
    base = { dir: made.dir, pretrainedNow: true, record: made.record };
  } else {
    const dir = path.resolve(o.base ?? COMMITTED_BASE);
    log(
      `demo: [1/3] using the committed base ${path.relative(cwd, dir)} (pnpm demo speech --pretrain remakes it)`,
    );
    base = { dir, pretrainedNow: false, record: await readBaseRecord(dir) };
  }

  log(
    `demo: [2/3] synthetic clips: ${TARGET_ACCENT.accent} (${TARGET_ACCENT.voice}) to adapt on and test, held-out ${SOURCE_ACCENT.accent} speakers to test`,
  );
  const target = await corpus(cacheDir, 'target', TARGET_ACCENT, budget.target, log);
  const sourceTest = await corpus(cacheDir, 'source-test', SOURCE_ACCENT, budget.sourceTest, log);
  for (const [name, c] of [
    ['target', target],
    ['source-test', sourceTest],
  ] as const) {
    log(
      `demo: ${name} corpus ${c.reused ? 'reused from the cache' : `synthesised in ${c.synthSeconds.toFixed(1)} s`}`,
    );
  }
  const configFile = path.join(work, 'adapt-config.json');
  await writeConfigFile(configFile, adaptConfig(budget, path.join(base.dir, 'vocab.json')));

  log(
    `demo: [3/3] adapting to ${TARGET_ACCENT.accent} (${budget.adaptSteps} steps each), scoring held-out speakers`,
  );
  const results: MethodResult[] = [];
  for (const method of o.methods ?? DEMO_METHODS) {
    const r = await runMethod(host, method, {
      base: base.dir,
      baseParameters: base.record.parameters,
      targetCorpus: target.dir,
      tests: { target: path.join(target.dir, 'test.tsv'), source: path.join(sourceTest.dir, 'test.tsv') },
      budget,
      preset: BASE_RECIPE.preset,
      configFile,
      adaptDir: path.join(work, 'adapt'),
      train,
    });
    results.push(r);
    if (r.command) commands.push(r.command);
    if (r.status === 'ok') {
      log(`demo: ${method.id}: CER ${r.target?.cer?.toFixed(3)} target, ${r.source?.cer?.toFixed(3)} source`);
    } else log(`demo: ${method.id}: skipped (${r.reason})`);
  }
  return {
    demo: 'speech',
    date: new Date().toISOString(),
    machine,
    loadAverage: loadAverage(),
    budget,
    sourceAccent: SOURCE_ACCENT,
    targetAccent: TARGET_ACCENT,
    base,
    corpora: {
      target: corpusReport(target, TARGET_ACCENT),
      sourceTest: corpusReport(sourceTest, SOURCE_ACCENT),
    },
    results,
    commands,
    wallTimeSeconds: seconds(started),
  };
}

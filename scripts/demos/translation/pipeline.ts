import * as os from 'node:os';
import * as path from 'node:path';
import { createPeftkit, initBackend } from '@peftkit/core';
import { nlpPlugin } from '@peftkit/nlp';
import type { CliStep } from '../cli-step.js';
import type { DemoRunOptions } from '../demo-cli.js';
import { type MachineInfo, machineInfo } from '../machine.js';
import { seconds, stepTrainer } from '../train-step.js';
import { prepareWorkDir, writeConfigFile } from '../work-dir.js';
import { datePhrasePairs, unitPhrasePairs } from './cldr-phrases.js';
import { BASE_LR, stepConfig, TRANSLATION_PRESET, type TranslationDemoBudget, UNIT_SPLIT } from './config.js';
import { TRANSLATION_METHODS, type TranslationMethod } from './methods.js';
import { type PhraseSplits, writePhraseSplits } from './phrase-data.js';
import { type MethodResult, runMethod, scoreRun, type TranslationScores } from './run-method.js';

export interface TranslationDemoOptions extends DemoRunOptions {
  readonly budget: TranslationDemoBudget;
  readonly methods?: readonly TranslationMethod[];
}

export interface TranslationDemoReport {
  readonly demo: 'translation';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly budget: TranslationDemoBudget;
  readonly base: {
    readonly dir: string;
    readonly command: string;
    readonly steps: number;
    readonly trainSeconds: number;
    readonly parameters: number;
    /** The base on its own held-out measurements. */
    readonly test: TranslationScores;
  };
  /** English -> German measurements (the base's domain). */
  readonly units: PhraseSplits;
  /** English -> German date phrases (the new domain). */
  readonly dates: PhraseSplits;
  readonly results: readonly MethodResult[];
  readonly wallTimeSeconds: number;
  /** CPU seconds (user + system) of the demo process: the load-independent cost. */
  readonly cpuSeconds: number;
  /** 1-minute load average at the start and at the end (the machine may be shared). */
  readonly loadAverage: readonly [start: number, end: number];
}

const load1 = () => Math.round((os.loadavg()[0] ?? 0) * 100) / 100;

/**
 * The "a team's own small translator meets a new domain" demo: a small T5 trained by peftkit from
 * scratch (full training) on English -> German measurements ("24 hours" -> "24 Stunden") from Unicode
 * CLDR, adapted to CLDR's English -> German date phrases with LoRA, prefix tuning, prompt tuning
 * and full fine-tuning (same steps, batch, seed), each scored by BLEU and chrF on held-out date
 * phrases and on the base's held-out measurements.
 */
export async function runTranslationDemo(o: TranslationDemoOptions): Promise<TranslationDemoReport> {
  const started = performance.now();
  const loadAtStart = load1();
  const cpu0 = process.cpuUsage();
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = o.cwd ?? process.cwd();
  const { budget } = o;
  const machine = machineInfo(await initBackend());
  const host = await createPeftkit({ plugins: [nlpPlugin], strict: true });
  const work = path.resolve(o.workDir);
  await prepareWorkDir(work, 'translation');
  const train = stepTrainer(host, { cwd, progress: o.progress ?? 'auto', log });
  const configFile = path.join(work, 'translation-config.json');
  await writeConfigFile(configFile, stepConfig(budget));

  log('demo: [1/3] writing CLDR English -> German pairs: measurements (base) and date phrases (new domain)');
  const split = { dir: path.join(work, 'data'), ...budget };
  const units = await writePhraseSplits(await unitPhrasePairs(), { ...split, ...UNIT_SPLIT, name: 'units' });
  const dates = await writePhraseSplits(await datePhrasePairs(), { ...split, name: 'dates' });

  log(`demo: [2/3] training the base T5 on the measurements (${budget.pretrainSteps} steps, full training)`);
  const baseStep: CliStep = {
    command: 'train',
    preset: TRANSLATION_PRESET,
    config: configFile,
    set: ['peft=full', `training.lr=${BASE_LR}`, `training.evalEvery.steps=${budget.pretrainSteps}`],
    data: units.trainFile,
    evalData: units.valFile,
    out: path.join(work, 'base'),
    maxSteps: budget.pretrainSteps,
    seed: budget.seed,
  };
  const made = await train(baseStep);
  const baseDir = made.result.outputDir;
  const [baseTest] = (await scoreRun(host, baseDir, [units.testFile])) as [TranslationScores];
  log(`demo: base: chrF ${baseTest.chrf?.toFixed(1)} on held-out measurements`);

  log(`demo: [3/3] adapting to date phrases (${budget.adaptSteps} steps each), scoring held-out phrases`);
  const results: MethodResult[] = [];
  for (const method of o.methods ?? TRANSLATION_METHODS) {
    const r = await runMethod(host, method, {
      base: baseDir,
      target: dates,
      baseTestFile: units.testFile,
      budget,
      configFile,
      adaptDir: path.join(work, 'adapt'),
      train,
    });
    results.push(r);
    if (r.status === 'ok')
      log(`demo: ${method.id}: BLEU ${r.test.bleu?.toFixed(1)}, chrF ${r.test.chrf?.toFixed(1)}`);
    else log(`demo: ${method.id}: skipped (${r.reason})`);
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    demo: 'translation',
    date: new Date().toISOString(),
    machine,
    budget,
    base: {
      dir: baseDir,
      command: made.command,
      steps: made.result.summary.steps,
      trainSeconds: made.seconds,
      parameters: made.result.summary.totalParameters,
      test: baseTest,
    },
    units,
    dates,
    results,
    wallTimeSeconds: seconds(started),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    loadAverage: [loadAtStart, load1()],
  };
}

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import { runDagger } from '@peftkit/robotics';
import { type CliStep, resolveStep, shellCommand, stepArgv } from '../cli-step.js';
import { ADAPTER_FILES, bytesOf, FULL_FILES, type MethodRow, skippedRow, trainedRow } from '../method-row.js';
import { seconds, type Train, trainOrSkip } from '../train-step.js';
import type { Scenario, ScenarioBudget } from './config.js';
import type { RoboticsMethod } from './methods.js';
import { type MethodResult, overSeeds, type RolloutScore } from './report.js';
import { evalCommand, rolloutScore } from './rollout-score.js';

/** What every run of a scenario's rows shares (plain data: it crosses to the demo's workers). */
export interface MethodContext {
  readonly base: string;
  /** The LeRobot folder of target-physics demonstrations this row trains on. */
  readonly targetDemos: string;
  /** Episodes in `targetDemos`. */
  readonly targetEpisodes: number;
  readonly scenario: Scenario;
  readonly budget: ScenarioBudget;
  readonly configFile: string;
  /** Relative paths in printed eval commands. */
  readonly cwd: string;
  /**
   * The training seed whose runs roll out before vs after adaptation for `report.html` (the
   * presets' `evaluation.report`); the other seeds' runs skip it, since the table does not use it.
   */
  readonly reportSeed: number;
}

/** A run's rollouts in the shifted and the source setting, and the commands behind them. */
export interface Scored {
  readonly target: RolloutScore;
  readonly source: RolloutScore;
  readonly evalCommands: string[];
}

/** One training seed of a row: the trained run, its scores and its command. */
export interface SeedRun {
  readonly row: MethodRow;
  readonly scored: Scored;
  readonly commands: string[];
}

/** A row with the `peftkit eval` commands behind its cells. */
export type ScoredResult = MethodResult & { evalCommands: string[] };

/** Rolls `runDir` out on the same seeds in the shifted and back in the source setting (forgetting). */
async function score(host: PeftkitHost, runDir: string, c: MethodContext): Promise<Scored> {
  const episodes = c.budget.evalEpisodes;
  const { sourceEnv, targetEnv } = c.scenario;
  const rel = (p: string) => path.relative(c.cwd, p);
  const targetOut = path.join(runDir, 'eval-target');
  const sourceOut = path.join(runDir, 'eval-source');
  return {
    target: await rolloutScore(host, runDir, targetEnv, episodes, targetOut),
    source: await rolloutScore(host, runDir, sourceEnv, episodes, sourceOut),
    evalCommands: [
      evalCommand(rel(runDir), targetEnv, episodes, rel(targetOut)),
      evalCommand(rel(runDir), sourceEnv, episodes, rel(sourceOut)),
    ],
  };
}

/** Zero-shot ships the base as is: its size and parameter count are the base's; nothing trains. */
export async function zeroShotRow(
  host: PeftkitHost,
  method: RoboticsMethod,
  c: MethodContext,
): Promise<ScoredResult> {
  const summary = JSON.parse(await fs.readFile(path.join(c.base, 'summary.json'), 'utf8')) as {
    totalParameters: number;
  };
  const s = await score(host, c.base, c);
  return {
    id: method.id,
    label: method.label,
    status: 'ok',
    target: overSeeds([s.target]),
    source: overSeeds([s.source]),
    evalCommands: s.evalCommands,
    demosUsed: 0,
    labelledEpisodes: 0,
    seeds: [],
    trainableParameters: 0,
    totalParameters: summary.totalParameters,
    weightBytes: await bytesOf(c.base, FULL_FILES),
    weightFiles: FULL_FILES,
    trainSeconds: 0,
    runDir: c.base,
    command: null,
  };
}

/**
 * One training seed of a row: trains from the base on the row's target demonstrations (a DAgger
 * row then runs its rounds) and rolls the run out in both settings. A method the policy cannot
 * host returns why instead.
 */
export async function trainSeed(
  host: PeftkitHost,
  train: Train,
  method: RoboticsMethod,
  seed: number,
  c: MethodContext,
  log: (line: string) => void,
  round0?: SharedRound0,
): Promise<SeedRun | { skipped: string }> {
  const step: CliStep = {
    command: 'train',
    preset: c.scenario.adaptPreset,
    config: c.configFile,
    set: [...(method.set ?? []), ...(seed === c.reportSeed ? [] : ['evaluation.report=null'])],
    data: c.targetDemos,
    base: c.base,
    out: path.join(path.dirname(c.base), 'adapt', `seed-${seed}`, method.id),
    maxSteps: Math.round(c.budget.adaptSteps * (method.stepsFactor ?? 1)),
    seed,
  };
  if (method.dagger) return daggerRun(host, method, step, c, log, round0);
  const outcome = await trainOrSkip(train, step);
  if ('skipped' in outcome) return outcome;
  const row = await trainedRow(method, outcome.trained);
  const scored = await score(host, outcome.trained.result.outputDir, c);
  return { row, scored, commands: [outcome.trained.command] };
}

/**
 * A row from its seeds' runs (in seed order): scores are mean ± std over training seeds; a method
 * the policy cannot host is a skipped row.
 */
export function combineSeeds(
  method: RoboticsMethod,
  seeds: readonly number[],
  outcomes: readonly (SeedRun | { skipped: string })[],
  c: MethodContext,
): ScoredResult {
  const skipped = outcomes.find((o): o is { skipped: string } => 'skipped' in o);
  if (skipped) {
    return {
      ...skippedRow(method, skipped.skipped),
      target: null,
      source: null,
      demosUsed: c.targetEpisodes,
      labelledEpisodes: 0,
      seeds,
      evalCommands: [],
    };
  }
  const runs = outcomes as readonly SeedRun[];
  const first = runs[0] as SeedRun;
  return {
    ...first.row,
    // Every seed's train command, in order; rerunning any of them reproduces that seed's run.
    command: runs.flatMap((r) => r.commands).join('\n'),
    trainSeconds: runs.reduce((s, r) => s + (r.row.trainSeconds ?? 0), 0) / runs.length,
    target: overSeeds(runs.map((r) => r.scored.target)),
    source: overSeeds(runs.map((r) => r.scored.source)),
    evalCommands: runs.flatMap((r) => r.scored.evalCommands),
    demosUsed: c.targetEpisodes,
    labelledEpisodes: method.dagger?.budgetEpisodes ?? 0,
    seeds,
  };
}

/**
 * A finished run that is exactly a DAgger row's round 0 (the row `round0Of` names: the same
 * flags, data and seed), and the seconds it trained.
 */
export interface SharedRound0 {
  readonly runDir: string;
  readonly trainSeconds: number;
}

/**
 * The row's `peftkit train` step as DAgger's round 0, then its rounds in the target setting
 * (`runDagger`, as `peftkit-dagger` runs it; the env is the adapt config's evaluation env). With
 * `round0`, that run is copied to `round-0` first (without its rollout folders), and `runDagger`
 * keeps it instead of training the same run again.
 */
async function daggerRun(
  host: PeftkitHost,
  method: RoboticsMethod,
  step: CliStep,
  c: MethodContext,
  log: (line: string) => void,
  round0: SharedRound0 | undefined,
): Promise<SeedRun> {
  const resolved = await resolveStep(host, step);
  const dagger = method.dagger ?? { budgetEpisodes: 1 };
  const config = {
    ...resolved,
    data: { ...resolved.data, options: { ...resolved.data.options, dagger } },
  };
  const rel = (p: string) => path.relative(c.cwd, p);
  const commands: string[] = [];
  if (round0) {
    const target = path.join(step.out, 'round-0');
    await fs.mkdir(step.out, { recursive: true });
    await fs.cp(round0.runDir, target, {
      recursive: true,
      filter: (src) => !/[\\/]eval-(target|source)$/.test(src),
    });
    commands.push(
      `# round 0 is the ${method.round0Of} row's run of this seed (the same flags, data and seed), copied: ` +
        `mkdir -p ${rel(step.out)} && cp -r ${rel(round0.runDir)} ${rel(target)}; peftkit-dagger keeps a finished round-0 (without it, it trains the same run)`,
    );
  }
  const argv = stepArgv(
    { ...step, set: [...step.set, `data.options.dagger=${JSON.stringify(dagger)}`] },
    c.cwd,
  );
  const command = shellCommand('pnpm peftkit-dagger', argv.slice(1));
  commands.push(command);
  log(`demo: ${command}`);
  const t0 = performance.now();
  const result = await runDagger(host, { config, outDir: step.out, progress: 'none', log });
  // The row's train time includes its round 0, also when that run was shared.
  const trainSeconds = seconds(t0) + (round0?.trainSeconds ?? 0);
  const summary = JSON.parse(await fs.readFile(path.join(result.finalRun, 'summary.json'), 'utf8')) as {
    trainableParameters: number;
    totalParameters: number;
  };
  const isAdapter = await fs.stat(path.join(result.finalRun, ADAPTER_FILES[0])).then(
    () => true,
    () => false,
  );
  const files = isAdapter ? ADAPTER_FILES : FULL_FILES;
  const row: MethodRow = {
    id: method.id,
    label: method.label,
    status: 'ok',
    trainableParameters: summary.trainableParameters,
    totalParameters: summary.totalParameters,
    weightBytes: await bytesOf(result.finalRun, files),
    weightFiles: files,
    trainSeconds,
    runDir: result.finalRun,
    command: commands.join('\n'),
  };
  return { row, scored: await score(host, result.finalRun, c), commands };
}

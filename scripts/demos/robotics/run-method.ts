import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import { runDagger } from '@peftkit/robotics';
import { type CliStep, resolveStep, stepCommand } from '../cli-step.js';
import { ADAPTER_FILES, bytesOf, FULL_FILES, type MethodRow, skippedRow, trainedRow } from '../method-row.js';
import { seconds, type Train, trainOrSkip } from '../train-step.js';
import type { Scenario, ScenarioBudget } from './config.js';
import type { RoboticsMethod } from './methods.js';
import { type MethodResult, overSeeds, type RolloutScore } from './report.js';
import { evalCommand, rolloutScore } from './rollout-score.js';

export interface MethodContext {
  readonly base: string;
  /** The LeRobot folder of target-physics demonstrations. */
  readonly targetDemos: string;
  readonly scenario: Scenario;
  readonly budget: ScenarioBudget;
  /** Training seeds: the method is trained once per seed. */
  readonly seeds: readonly number[];
  readonly configFile: string;
  readonly train: Train;
  /** Relative paths in printed eval commands. */
  readonly cwd: string;
  readonly log: (line: string) => void;
}

interface Scored {
  readonly target: RolloutScore;
  readonly source: RolloutScore;
  readonly evalCommands: string[];
}

/**
 * One row: zero-shot rolls the base out as is; every other method trains from the base on the
 * target demonstrations once per training seed (a DAgger row then runs its rounds), and every run
 * is rolled out on the same seeds in the shifted physics and back in the source physics
 * (forgetting). Scores are mean ± std over training seeds. A method the policy cannot host is a
 * skipped row.
 */
export async function runMethod(
  host: PeftkitHost,
  method: RoboticsMethod,
  c: MethodContext,
): Promise<MethodResult & { evalCommands: string[] }> {
  const score = async (runDir: string): Promise<Scored> => {
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
  };
  // Zero-shot ships the base as is: its size and parameter count are the base's; nothing trains.
  if (!method.set) {
    const summary = JSON.parse(await fs.readFile(path.join(c.base, 'summary.json'), 'utf8')) as {
      totalParameters: number;
    };
    const s = await score(c.base);
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
  const runs: { row: MethodRow; scored: Scored; commands: string[] }[] = [];
  for (const seed of c.seeds) {
    const step: CliStep = {
      command: 'train',
      preset: c.scenario.adaptPreset,
      config: c.configFile,
      set: [...method.set],
      data: c.targetDemos,
      base: c.base,
      out: path.join(path.dirname(c.base), 'adapt', `seed-${seed}`, method.id),
      maxSteps: c.budget.adaptSteps,
      seed,
    };
    if (method.dagger) {
      runs.push(await daggerRun(host, method, step, c, score));
      continue;
    }
    const outcome = await trainOrSkip(c.train, step);
    if ('skipped' in outcome) {
      return {
        ...skippedRow(method, outcome.skipped),
        target: null,
        source: null,
        demosUsed: c.budget.targetEpisodes,
        labelledEpisodes: 0,
        seeds: c.seeds,
        evalCommands: [],
      };
    }
    const row = await trainedRow(method, outcome.trained);
    const scored = await score(outcome.trained.result.outputDir);
    runs.push({ row, scored, commands: [outcome.trained.command] });
  }
  const first = runs[0] as (typeof runs)[number];
  return {
    ...first.row,
    // Every seed's train command, in order; rerunning any of them reproduces that seed's run.
    command: runs.flatMap((r) => r.commands).join('\n'),
    trainSeconds: runs.reduce((s, r) => s + (r.row.trainSeconds ?? 0), 0) / runs.length,
    target: overSeeds(runs.map((r) => r.scored.target)),
    source: overSeeds(runs.map((r) => r.scored.source)),
    evalCommands: runs.flatMap((r) => r.scored.evalCommands),
    demosUsed: c.budget.targetEpisodes,
    labelledEpisodes: method.dagger?.budgetEpisodes ?? 0,
    seeds: c.seeds,
  };
}

/**
 * The row's `peftkit train` step as DAgger's round 0, then its rounds in the target setting
 * (`runDagger`; the env is the adapt config's evaluation env). There is no CLI command for
 * DAgger: the printed line names the API call and its options.
 */
async function daggerRun(
  host: PeftkitHost,
  method: RoboticsMethod,
  step: CliStep,
  c: MethodContext,
  score: (runDir: string) => Promise<Scored>,
): Promise<{ row: MethodRow; scored: Scored; commands: string[] }> {
  const resolved = await resolveStep(host, step);
  const dagger = method.dagger ?? { budgetEpisodes: 1 };
  const config = {
    ...resolved,
    data: { ...resolved.data, options: { ...resolved.data.options, dagger } },
  };
  const t0 = performance.now();
  const result = await runDagger(host, { config, outDir: step.out, progress: 'none', log: c.log });
  const trainSeconds = seconds(t0);
  const summary = JSON.parse(await fs.readFile(path.join(result.finalRun, 'summary.json'), 'utf8')) as {
    trainableParameters: number;
    totalParameters: number;
  };
  const isAdapter = await fs.stat(path.join(result.finalRun, ADAPTER_FILES[0])).then(
    () => true,
    () => false,
  );
  const files = isAdapter ? ADAPTER_FILES : FULL_FILES;
  const command = `# ${stepCommand(step, c.cwd)} is DAgger's round 0; then runDagger with data.options.dagger=${JSON.stringify(dagger)} (an API, no CLI command yet)`;
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
    command,
  };
  return { row, scored: await score(result.finalRun), commands: [command] };
}

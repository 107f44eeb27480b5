import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PeftkitHost } from '@peftkit/core';
import type { CliStep } from '../cli-step.js';
import { bytesOf, FULL_FILES, skippedRow, trainedRow } from '../method-row.js';
import { type Train, trainOrSkip } from '../train-step.js';
import type { Scenario, ScenarioBudget } from './config.js';
import type { DemoMethod } from './methods.js';
import type { MethodResult } from './report.js';
import { evalCommand, rolloutScore } from './rollout-score.js';

export interface MethodContext {
  readonly base: string;
  /** The LeRobot folder of target-physics demonstrations. */
  readonly targetDemos: string;
  readonly scenario: Scenario;
  readonly budget: ScenarioBudget;
  readonly seed: number;
  readonly configFile: string;
  readonly train: Train;
  /** Relative paths in printed eval commands. */
  readonly cwd: string;
}

/**
 * One row: zero-shot rolls the base out as is; every other method trains from the base on the
 * target demonstrations, then every row is rolled out on the same seeds in the shifted physics
 * and back in the source physics (forgetting). A method the policy cannot host is a skipped row.
 */
export async function runMethod(
  host: PeftkitHost,
  method: DemoMethod,
  c: MethodContext,
): Promise<MethodResult & { evalCommands: string[] }> {
  const score = async (runDir: string) => {
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
  // Zero-shot ships the base as is: its size and parameter count are the base's.
  if (!method.set) {
    const summary = JSON.parse(await fs.readFile(path.join(c.base, 'summary.json'), 'utf8')) as {
      totalParameters: number;
    };
    return {
      id: method.id,
      label: method.label,
      status: 'ok',
      ...(await score(c.base)),
      demosUsed: 0,
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
    preset: c.scenario.adaptPreset,
    config: c.configFile,
    set: [...method.set],
    data: c.targetDemos,
    base: c.base,
    out: path.join(path.dirname(c.base), 'adapt', method.id),
    maxSteps: c.budget.adaptSteps,
    seed: c.seed,
  };
  const outcome = await trainOrSkip(c.train, step);
  if ('skipped' in outcome) {
    return {
      ...skippedRow(method, outcome.skipped),
      target: null,
      source: null,
      demosUsed: c.budget.targetEpisodes,
      evalCommands: [],
    };
  }
  const row = await trainedRow(method, outcome.trained);
  return { ...row, ...(await score(outcome.trained.result.outputDir)), demosUsed: c.budget.targetEpisodes };
}

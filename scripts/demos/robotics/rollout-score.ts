import { loadRun, type PeftkitHost, runEvaluator } from '@peftkit/core';
import type { RolloutScore } from './report.js';

/**
 * What `peftkit eval --adapter <runDir> --evaluator robotics/rollout --options '{"env": ..., "episodes": N}'
 * --out <outDir>` reports, in-process: the run's policy on fixed seeds (1000...) of `env`, with
 * `eval_info.json` and the pole-angle plot written to `outDir`.
 */
export async function rolloutScore(
  host: PeftkitHost,
  runDir: string,
  env: Readonly<Record<string, unknown>>,
  episodes: number,
  outDir: string,
): Promise<RolloutScore> {
  const run = await loadRun(host, runDir);
  try {
    const r = await runEvaluator(host, run, {
      evaluator: 'robotics/rollout',
      // Every episode in lockstep: one batched policy call per step instead of one per 16
      // episodes (an episode's outcome depends only on its seed, not on what runs beside it).
      options: { env, episodes, parallel: episodes },
      outDir,
      // A rerun of the demo replaces its own earlier rollout output (never foreign files).
      overwrite: true,
      log: () => {},
    });
    return {
      success: (r.metrics['pc_success'] ?? Number.NaN) / 100,
      avgSumReward: r.metrics['avg_sum_reward'] ?? Number.NaN,
      episodes,
    };
  } finally {
    run.model.dispose();
  }
}

/** The shell command `rolloutScore` stands for. */
export function evalCommand(runDir: string, env: object, episodes: number, outDir: string): string {
  const options = JSON.stringify({ env, episodes, parallel: episodes });
  return `pnpm peftkit eval --adapter ${runDir} --evaluator robotics/rollout --options '${options}' --out ${outDir}`;
}

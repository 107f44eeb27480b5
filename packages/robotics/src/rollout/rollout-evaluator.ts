import * as path from 'node:path';
import { type Evaluator, type JsonValue, type LoadedRun, PeftModel, z } from '@peftkit/core';
import { type EnvSpec, makeEnv, splitSpec } from '../envs/make-env.js';
import type { ReacherConfig } from '../envs/reacher/index.js';
import { runPolicy } from './run-policy.js';
import type { RolloutResult } from './run-rollouts.js';
import { runRollouts } from './run-rollouts.js';
import { svgPlanarPaths, svgRolloutSignals } from './svg-plots.js';

export const rolloutEvaluatorOptions = z.strictObject({
  /** The env and its physics: `{ id: 'cartpole', poleMass: 1 }` (fields as in `makeEnv`). */
  env: z.looseObject({ id: z.string().min(1) }),
  episodes: z.number().int().positive().max(10_000).default(20),
  /** Episode i uses seed `seedStart + i`; the default keeps evaluation seeds apart from collection seeds (0...). */
  seedStart: z.number().int().nonnegative().default(1000),
  /** Envs stepped in lockstep (one batched prediction per step); default min(episodes, 16). */
  parallel: z.number().int().positive().max(256).optional(),
  /** Seeded episodes drawn in the SVG plot (0: no plot). */
  plots: z.number().int().nonnegative().max(12).default(3),
  /**
   * For an adapter run, also roll the plotted episodes out with the adapter switched off (the
   * policy before adaptation) and draw both, same seeds: before vs after. Scores stay the run's.
   */
  compareBase: z.boolean().default(true),
});

export type RolloutEvaluatorOptions = z.output<typeof rolloutEvaluatorOptions>;

/**
 * `robotics/rollout`: the run's policy acts in a MuJoCo env for seeded episodes (`runPolicy` +
 * `runRollouts`). Metrics are LeRobot's (`pc_success` in percent, `avg_sum_reward`,
 * `avg_max_reward` with standard deviations, `avg_length`); files are `eval_info.json` (LeRobot's
 * `{ per_episode, aggregated }`) and a plot of the first seeded episodes: pole angle over time
 * for cartpole (`pole-angle.svg`), fingertip paths for reacher (`fingertip-paths.svg`). The
 * metrics depend only on the run, the env and the seeds.
 */
export const rolloutEvaluator: Evaluator<RolloutEvaluatorOptions> = {
  id: 'robotics/rollout',
  description: 'success rate and return of the policy acting in a MuJoCo env (LeRobot eval_info metrics)',
  optionsSchema: rolloutEvaluatorOptions,
  async evaluate(run, options, context) {
    const spec = options.env as EnvSpec;
    const { id } = splitSpec(spec, 'options.env');
    // Built once up front so a bad physics field fails naming options.env.<field> before any rollout.
    const probe = await makeEnv(spec, 'options.env');
    const config = probe.config;
    probe.dispose();
    context.log(
      `robotics/rollout: ${options.episodes} episodes of ${describeEnv(spec)}, seeds ${options.seedStart}...`,
    );
    const result = await runRollouts(() => makeEnv(spec, 'options.env'), runPolicy(run), {
      episodes: options.episodes,
      seedStart: options.seedStart,
      record: options.plots > 0,
      ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    });
    const a = result.aggregated;
    context.log(
      `robotics/rollout: pc_success ${a.pc_success.toFixed(1)}, avg_sum_reward ${a.avg_sum_reward.toFixed(2)} (${a.eval_s.toFixed(1)} s)`,
    );
    const before = options.plots > 0 && options.compareBase ? adaptersOff(run) : undefined;
    const baseline = before
      ? await runRollouts(() => makeEnv(spec, 'options.env'), runPolicy(before), {
          episodes: Math.min(options.plots, options.episodes),
          seedStart: options.seedStart,
          record: true,
        })
      : undefined;
    const files = [
      {
        name: 'eval_info.json',
        content: `${JSON.stringify({ per_episode: result.per_episode, aggregated: a }, null, 2)}\n`,
      },
    ];
    if (options.plots > 0) {
      const runs = [{ name: baseline ? `after: ${path.basename(run.dir)}` : path.basename(run.dir), result }];
      if (baseline) runs.push({ name: 'before: adapter off', result: baseline });
      files.push(plotFile(id, runs, options.plots, config));
    }
    return {
      metrics: {
        n_episodes: a.n_episodes,
        pc_success: a.pc_success,
        avg_sum_reward: a.avg_sum_reward,
        std_sum_reward: a.std_sum_reward,
        avg_max_reward: a.avg_max_reward,
        std_max_reward: a.std_max_reward,
        avg_length: a.avg_length,
      },
      details: {
        env: { id, ...(config as Record<string, unknown>) } as JsonValue,
        per_episode: result.per_episode as unknown as JsonValue,
        ...(baseline ? { before_adaptation: baseline.per_episode as unknown as JsonValue } : {}),
      },
      files,
    };
  },
};

function describeEnv(spec: EnvSpec): string {
  const { id, ...fields } = spec as Record<string, unknown>;
  const set = Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return set.length ? `${id} (${set.join(', ')})` : String(id);
}

/**
 * The run with every adapter switched off at each forward (`disableAdapter`): the policy it was
 * adapted from. Undefined for runs without adapters (full fine-tuning keeps no "before").
 */
function adaptersOff(run: LoadedRun): LoadedRun | undefined {
  const model = run.model;
  if (!(model instanceof PeftModel)) return undefined;
  const off = new Proxy(model, {
    get(target, key) {
      if (key === 'forward') {
        return (...inputs: unknown[]) => target.disableAdapter(() => target.forward(...(inputs as never[])));
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...run, model: off };
}

function plotFile(
  id: string,
  runs: { name: string; result: RolloutResult }[],
  episodes: number,
  config: unknown,
): { name: string; content: string } {
  if (id === 'reacher') {
    const c = config as ReacherConfig;
    return {
      name: 'fingertip-paths.svg',
      content: svgPlanarPaths(runs, {
        title: 'Fingertip paths',
        x: 'tipX',
        y: 'tipY',
        goal: ['goalX', 'goalY'],
        tolerance: c.successTolerance,
        reach: c.link1Length + c.link2Length,
        episodes,
      }),
    };
  }
  return {
    name: 'pole-angle.svg',
    content: svgRolloutSignals(runs, {
      title: 'Pole angle',
      yLabel: 'rad',
      signal: 'poleAngle',
      breakJumps: Math.PI,
      episodes,
    }),
  };
}

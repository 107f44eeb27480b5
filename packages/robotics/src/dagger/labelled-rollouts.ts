import { Rng } from '@peftkit/core';
import type { Episode } from '../data/episode.js';
import type { EnvSpec } from '../envs/make-env.js';
import type { Expert } from '../experts/expert.js';
import type { AggregateMetrics } from '../rollout/metrics.js';
import { type Action, type BatchPolicy, isBatchPolicy, type Policy } from '../rollout/policy.js';
import { runRollouts } from '../rollout/run-rollouts.js';
import type { Trajectory } from '../rollout/trajectory.js';

export interface LabelledRolloutOptions {
  readonly episodes: number;
  /** Episode i uses seed `seedStart + i`. */
  readonly seedStart: number;
  /** Probability that a step executes the expert's action instead of the learner's (default 0). */
  readonly beta?: number;
  /** Episode indices of the returned episodes start here. */
  readonly firstIndex: number;
  /** Stored with each episode. */
  readonly task: string;
  /** Envs in lockstep (default min(episodes, 16)). */
  readonly parallel?: number;
}

/** The learner's own episodes with the expert's labels, and how the learner did on them. */
export interface LabelledRollouts {
  readonly episodes: Episode[];
  readonly aggregated: AggregateMetrics;
}

/**
 * DAgger's data step: rolls the learner out in `env` on fixed seeds (with probability `beta` a
 * step executes the expert's action instead: the mixture policy), then labels every visited state
 * with the expert's action. Episodes carry `observation.state` (the visited observations),
 * `action` (the expert's labels), `next.reward` and `next.done`, as `collectDemonstrations` does.
 * The result depends only on the learner, the expert, the env and the seeds.
 */
export async function labelledRollouts(
  env: EnvSpec,
  learner: Policy,
  expert: Expert,
  o: LabelledRolloutOptions,
): Promise<LabelledRollouts> {
  const beta = o.beta ?? 0;
  const policy = beta > 0 ? mixture(learner, expert, beta, o.seedStart) : learner;
  const result = await runRollouts(env, policy, {
    episodes: o.episodes,
    seedStart: o.seedStart,
    record: true,
    parallel: o.parallel ?? Math.min(o.episodes, 16),
  });
  const episodes = result.trajectories.map((t, i) => labelled(t, expert, o.firstIndex + i, o.task));
  return { episodes, aggregated: result.aggregated };
}

function labelled(t: Trajectory, expert: Expert, index: number, task: string): Episode {
  // observations holds steps 0..T; the last one is where the episode ended, with no action taken.
  const length = t.actions.length;
  const obsDim = t.observations[0]?.length ?? 0;
  const first = expert.act(t.observations[0] as Float64Array);
  const actDim = first.length;
  const state = new Float32Array(length * obsDim);
  const action = new Float32Array(length * actDim);
  for (let s = 0; s < length; s++) {
    const o = t.observations[s] as Float64Array;
    state.set(o, s * obsDim);
    action.set(s === 0 ? first : expert.act(o), s * actDim);
  }
  const done = new Uint8Array(length);
  done[length - 1] = 1;
  return {
    index,
    length,
    features: { 'observation.state': state, action },
    reward: Float32Array.from(t.rewards),
    done,
    task,
  };
}

/** The learner, except that each step executes the expert's action with probability `beta`. */
function mixture(learner: Policy, expert: Expert, beta: number, seed: number): BatchPolicy {
  const rng = new Rng(seed);
  return {
    reset(slot) {
      if (isBatchPolicy(learner)) learner.reset?.(slot);
    },
    async actBatch(observations, slots) {
      const own: readonly Action[] = isBatchPolicy(learner)
        ? await learner.actBatch(observations, slots)
        : await Promise.all(observations.map((o) => learner(o)));
      return own.map((a, i) => (rng.next() < beta ? expert.act(observations[i] as Float64Array) : a));
    },
  };
}

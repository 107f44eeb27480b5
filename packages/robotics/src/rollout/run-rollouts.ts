import type { Env, StepResult } from '../envs/env.js';
import { type EnvSpec, makeEnv } from '../envs/make-env.js';
import { type AggregateMetrics, aggregateEpisodes, type EpisodeMetrics } from './metrics.js';
import { type Action, isBatchPolicy, type Policy } from './policy.js';
import type { Trajectory } from './trajectory.js';

/** Where rollout envs come from: a spec or factory (envs are made and disposed here) or one env you own. */
export type EnvSource = EnvSpec | Env<unknown> | (() => Env<unknown> | Promise<Env<unknown>>);

export interface RolloutOptions {
  /** Number of episodes. */
  readonly episodes: number;
  /** Seed of episode i: `seeds[i]` when given, else `seedStart + i`. */
  readonly seeds?: readonly number[];
  /** Default 0, as LeRobot's `start_seed`. */
  readonly seedStart?: number;
  /**
   * Envs stepped in lockstep; a batch policy sees up to this many observations per call.
   * Default: 1 for a function policy, min(episodes, 16) for a batch policy. Must be 1 when
   * `envs` is a single env instance.
   */
  readonly parallel?: number;
  /** Keep each episode's trajectory. Default true. */
  readonly record?: boolean;
  /** Called as each episode ends (episodes may end out of order when `parallel` > 1). */
  readonly onEpisode?: (episode: EpisodeMetrics) => void;
}

/**
 * Results of `runRollouts`. `{ per_episode, aggregated }` has exactly the layout of LeRobot's
 * `eval_info.json`; trajectories (in episode order) are kept apart from it.
 */
export interface RolloutResult {
  readonly per_episode: EpisodeMetrics[];
  readonly aggregated: AggregateMetrics;
  readonly trajectories: Trajectory[];
}

interface Slot {
  readonly env: Env<unknown>;
  readonly index: number;
  episode: number;
  seed: number;
  observation: Float64Array;
  sumReward: number;
  maxReward: number;
  steps: number;
  trajectory: Trajectory | undefined;
}

/**
 * Runs `policy` for a number of fixed-seed episodes and reports per-episode sum reward, max
 * reward, success and length with LeRobot's aggregates (`pc_success`, `avg_sum_reward`,
 * `avg_max_reward`, plus standard deviations). Each episode's outcome depends only on its seed
 * and the policy, not on `parallel` or on which env ran it.
 *
 * @example
 * const expert = await makeExpert({ id: 'cartpole' });
 * const result = await runRollouts({ id: 'cartpole' }, expert.act, { episodes: 20 });
 * console.log(result.aggregated.pc_success);
 */
export async function runRollouts(
  source: EnvSource,
  policy: Policy,
  options: RolloutOptions,
): Promise<RolloutResult> {
  const seeds = episodeSeeds(options);
  const batch = isBatchPolicy(policy);
  const single = isEnvInstance(source);
  if (options.parallel !== undefined && !(Number.isInteger(options.parallel) && options.parallel >= 1)) {
    throw new Error(`runRollouts: parallel must be a positive integer, got ${options.parallel}`);
  }
  const parallel = Math.min(seeds.length, options.parallel ?? (batch ? 16 : 1));
  if (single && parallel > 1)
    throw new Error(
      'runRollouts: a single env instance cannot run episodes in parallel; pass a spec or factory',
    );
  const record = options.record ?? true;
  const started = performance.now();
  const { envs, owned } = await openEnvs(source, parallel);
  try {
    const results: EpisodeMetrics[] = new Array(seeds.length);
    const trajectories: Trajectory[] = new Array(seeds.length);
    let next = 0;
    /** Starts the next episode in `slot`; false when every episode has been started. */
    const start = (slot: Slot): boolean => {
      if (next >= seeds.length) return false;
      const seed = seeds[next] as number;
      const observation = slot.env.reset(seed);
      Object.assign(slot, {
        episode: next++,
        seed,
        observation,
        sumReward: 0,
        maxReward: Number.NEGATIVE_INFINITY,
        steps: 0,
        trajectory: record ? newTrajectory(slot.env, seed, observation) : undefined,
      });
      if (batch) policy.reset?.(slot.index);
      return true;
    };
    let active = envs.map((env, index) => emptySlot(env, index)).filter(start);
    while (active.length > 0) {
      const actions = await decide(policy, active);
      active = active.filter((slot, i) => {
        const applied = slot.env.actionSpace.clip(
          actions[i] as Action,
          `policy action (episode ${slot.episode})`,
        );
        const r = slot.env.step(applied);
        slot.steps++;
        slot.sumReward += r.reward;
        slot.maxReward = Math.max(slot.maxReward, r.reward);
        slot.observation = r.observation;
        if (slot.trajectory) recordStep(slot.trajectory, applied, r);
        if (!r.terminated && !r.truncated) return true;
        const episode = episodeMetrics(slot, r);
        results[slot.episode] = episode;
        if (slot.trajectory) trajectories[slot.episode] = slot.trajectory;
        options.onEpisode?.(episode);
        return start(slot);
      });
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      per_episode: results,
      aggregated: aggregateEpisodes(results, seconds),
      trajectories: record ? trajectories : [],
    };
  } finally {
    for (const env of owned) env.dispose();
  }
}

/** `parallel` envs from `source`, and those of them this call created (and must dispose). */
async function openEnvs(
  source: EnvSource,
  parallel: number,
): Promise<{ envs: Env<unknown>[]; owned: Env<unknown>[] }> {
  if (isEnvInstance(source)) return { envs: [source], owned: [] };
  const owned: Env<unknown>[] = [];
  try {
    for (let i = 0; i < parallel; i++) owned.push(await createEnv(source));
  } catch (error) {
    for (const env of owned) env.dispose();
    throw error;
  }
  return { envs: owned, owned };
}

function emptySlot(env: Env<unknown>, index: number): Slot {
  return {
    env,
    index,
    episode: -1,
    seed: 0,
    observation: new Float64Array(0),
    sumReward: 0,
    maxReward: 0,
    steps: 0,
    trajectory: undefined,
  };
}

function newTrajectory(env: Env<unknown>, seed: number, observation: Float64Array): Trajectory {
  return {
    seed,
    dt: env.dt,
    observationLabels: env.observationLabels,
    observations: [observation],
    actions: [],
    rewards: [],
    info: {},
  };
}

function episodeMetrics(slot: Slot, last: StepResult): EpisodeMetrics {
  return {
    episode_ix: slot.episode,
    seed: slot.seed,
    sum_reward: slot.sumReward,
    max_reward: slot.maxReward,
    success: last.info.isSuccess,
    length: slot.steps,
    terminated: last.terminated,
  };
}

function recordStep(t: Trajectory, applied: Float64Array, r: StepResult): void {
  t.observations.push(r.observation);
  t.actions.push(applied);
  t.rewards.push(r.reward);
  for (const [k, v] of Object.entries(r.info)) {
    if (typeof v !== 'number' || k === 'step' || k === 'time') continue;
    const series = t.info[k];
    if (series) series.push(v);
    else t.info[k] = [v];
  }
}

async function decide(policy: Policy, active: readonly Slot[]): Promise<readonly Action[]> {
  if (isBatchPolicy(policy)) {
    const actions = await policy.actBatch(
      active.map((s) => s.observation),
      active.map((s) => s.index),
    );
    if (actions.length !== active.length) {
      throw new Error(
        `runRollouts: batch policy returned ${actions.length} actions for ${active.length} observations`,
      );
    }
    return actions;
  }
  const out: Action[] = [];
  for (const slot of active) out.push(await policy(slot.observation));
  return out;
}

function episodeSeeds(o: RolloutOptions): number[] {
  if (!Number.isInteger(o.episodes) || o.episodes < 1)
    throw new Error(`runRollouts: episodes must be a positive integer, got ${o.episodes}`);
  if (o.seeds) {
    if (o.seeds.length < o.episodes)
      throw new Error(`runRollouts: ${o.seeds.length} seeds for ${o.episodes} episodes`);
    return o.seeds.slice(0, o.episodes);
  }
  const first = o.seedStart ?? 0;
  return Array.from({ length: o.episodes }, (_, i) => first + i);
}

function isEnvInstance(source: EnvSource): source is Env<unknown> {
  return typeof source === 'object' && typeof (source as Env<unknown>).step === 'function';
}

async function createEnv(
  source: EnvSpec | (() => Env<unknown> | Promise<Env<unknown>>),
): Promise<Env<unknown>> {
  return typeof source === 'function' ? source() : makeEnv(source);
}

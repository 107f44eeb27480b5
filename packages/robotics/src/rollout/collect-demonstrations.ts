import { Rng } from '@peftkit/core';
import type { Episode, EpisodeSet } from '../data/episode.js';
import type { Env } from '../envs/env.js';
import { type EnvSpec, makeEnv } from '../envs/make-env.js';
import type { Expert } from '../experts/expert.js';
import type { Action, BatchPolicy, Policy } from './policy.js';

/** How many demonstrations to collect, and how. */
export interface CollectOptions {
  readonly episodes: number;
  /** Seed of episode i is `seedStart + i` (default 0). */
  readonly seedStart?: number;
  /**
   * Standard deviation of Gaussian noise added to the executed action (DART-style): the states
   * visited spread around the demonstrator's path, while the recorded `action` stays the
   * demonstrator's clean action. Default 0.
   */
  readonly actionNoise?: number;
  /** Task name stored with each episode; default `<env id>` or `<env id>/<task>`. */
  readonly task?: string;
}

/**
 * Runs a demonstrator (a scripted expert or any policy) in an env and records each episode as
 * LeRobot step features: `observation.state` (the env observation), `action` (the demonstrator's
 * action, clipped into the action space), `next.reward` and `next.done` (1 on the last frame), with
 * the env's observation/action labels as feature names and `fps` from the env's control period.
 * The result is what `writeLeRobotDataset` writes. Episode i depends only on `seedStart + i`.
 *
 * @example
 * const expert = await makeExpert({ id: 'cartpole', poleMass: 1 });
 * const demos = await collectDemonstrations({ id: 'cartpole', poleMass: 1 }, expert, { episodes: 10 });
 * await writeLeRobotDataset('data/cartpole-heavy', demos);
 */
export async function collectDemonstrations(
  envSpec: EnvSpec,
  demonstrator: Expert | Policy,
  options: CollectOptions,
): Promise<EpisodeSet> {
  const { episodes: count } = options;
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`collectDemonstrations: episodes must be a positive integer, got ${count}`);
  const noise = options.actionNoise ?? 0;
  if (!(noise >= 0 && Number.isFinite(noise)))
    throw new Error(`collectDemonstrations: actionNoise must be a finite number >= 0, got ${noise}`);
  const seedStart = options.seedStart ?? 0;
  const env = await makeEnv(envSpec);
  try {
    const act = demonstratorFn(demonstrator);
    const config = env.config as { task?: unknown };
    const task = options.task ?? (typeof config.task === 'string' ? `${env.id}/${config.task}` : env.id);
    const episodes: Episode[] = [];
    for (let i = 0; i < count; i++) {
      episodes.push(await collectEpisode(env, act, i, seedStart + i, noise, task));
    }
    const fps = 1 / env.dt;
    return {
      source: `${env.id} demonstrations`,
      fps: Math.abs(fps - Math.round(fps)) < 1e-9 ? Math.round(fps) : fps,
      features: {
        'observation.state': { dim: env.observationSpace.shape[0] as number, names: env.observationLabels },
        action: { dim: env.actionSpace.shape[0] as number, names: env.actionLabels },
      },
      episodes,
      skipped: [],
    };
  } finally {
    env.dispose();
  }
}

type ActFn = (observation: Float64Array, newEpisode: boolean) => Promise<Action>;

function demonstratorFn(d: Expert | Policy): ActFn {
  if (typeof d === 'function') return async (o) => d(o);
  if (typeof (d as BatchPolicy).actBatch === 'function') {
    const batch = d as BatchPolicy;
    return async (o, newEpisode) => {
      if (newEpisode) batch.reset?.(0);
      const [a] = await batch.actBatch([o], [0]);
      if (!a) throw new Error('collectDemonstrations: batch policy returned no action');
      return a;
    };
  }
  const expert = d as Expert;
  return async (o) => expert.act(o);
}

async function collectEpisode(
  env: Env<unknown>,
  act: ActFn,
  index: number,
  seed: number,
  noise: number,
  task: string,
): Promise<Episode> {
  const rng = new Rng(seed);
  const obsDim = env.observationSpace.shape[0] as number;
  const actDim = env.actionSpace.shape[0] as number;
  const observations: Float64Array[] = [];
  const actions: Float64Array[] = [];
  const rewards: number[] = [];
  let observation = env.reset(seed);
  for (let t = 0; ; t++) {
    const clean = env.actionSpace.clip(await act(observation, t === 0), `demonstrator action (seed ${seed})`);
    const executed =
      noise > 0 ? env.actionSpace.clip(Array.from(clean, (a) => a + rng.normal(0, noise))) : clean;
    observations.push(observation);
    actions.push(clean);
    const r = env.step(executed);
    rewards.push(r.reward);
    observation = r.observation;
    if (r.terminated || r.truncated) break;
  }
  const length = observations.length;
  const state = new Float32Array(length * obsDim);
  const action = new Float32Array(length * actDim);
  for (let t = 0; t < length; t++) {
    state.set(observations[t] as Float64Array, t * obsDim);
    action.set(actions[t] as Float64Array, t * actDim);
  }
  const done = new Uint8Array(length);
  done[length - 1] = 1;
  return {
    index,
    length,
    features: { 'observation.state': state, action },
    reward: Float32Array.from(rewards),
    done,
    task,
  };
}

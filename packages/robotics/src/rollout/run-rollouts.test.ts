import { describe, expect, it } from 'vitest';
import { CartpoleEnv } from '../envs/cartpole/index.js';
import { cartpoleLqrExpert } from '../experts/cartpole-lqr.js';
import { meanStd } from './metrics.js';
import type { BatchPolicy } from './policy.js';
import { runRollouts } from './run-rollouts.js';

const config = { maxSteps: 40, successSteps: 10, terminateAngle: 0.3, initNoise: 0.05 } as const;
const spec = { id: 'cartpole', ...config } as const;
/** A deliberately weak deterministic policy: with these seeds some episodes fall, some do not. */
const wobbly = (obs: Float64Array) => [0.3 * (obs[2] as number)];

describe('runRollouts', () => {
  it('reports per-episode sums, maxima, success and lengths consistent with the recorded trajectories', async () => {
    const result = await runRollouts(spec, wobbly, { episodes: 12, seedStart: 100 });
    expect(result.per_episode.map((e) => e.seed)).toEqual(Array.from({ length: 12 }, (_, i) => 100 + i));
    expect(result.per_episode.map((e) => e.episode_ix)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    result.per_episode.forEach((e, i) => {
      const t = result.trajectories[i]!;
      expect(t.seed).toBe(e.seed);
      expect(t.rewards.length).toBe(e.length);
      expect(t.actions.length).toBe(e.length);
      expect(t.observations.length).toBe(e.length + 1);
      expect(t.info['poleAngle']?.length).toBe(e.length);
      expect(e.sum_reward).toBeCloseTo(
        t.rewards.reduce((s, r) => s + r, 0),
        12,
      );
      expect(e.max_reward).toBe(Math.max(...t.rewards));
      expect(e.terminated).toBe(e.length < 40);
      if (e.terminated) expect(e.success).toBe(false);
    });
    // The policy both fails and succeeds here, so the aggregates below are not trivial.
    expect(new Set(result.per_episode.map((e) => e.success))).toEqual(new Set([true, false]));
    const a = result.aggregated;
    expect(a.n_episodes).toBe(12);
    expect(a.pc_success).toBeCloseTo((100 * result.per_episode.filter((e) => e.success).length) / 12, 12);
    const sums = meanStd(result.per_episode.map((e) => e.sum_reward));
    expect(a.avg_sum_reward).toBeCloseTo(sums.mean, 12);
    expect(a.std_sum_reward).toBeCloseTo(sums.std, 12);
    expect(a.avg_max_reward).toBeCloseTo(meanStd(result.per_episode.map((e) => e.max_reward)).mean, 12);
    expect(a.eval_s).toBeGreaterThan(0);
  });

  it('is deterministic per seed: two runs give bit-identical observations', async () => {
    const expert = await cartpoleLqrExpert(config);
    const one = await runRollouts(spec, expert.act, { episodes: 5, seeds: [3, 1, 4, 1, 5] });
    const two = await runRollouts(spec, expert.act, { episodes: 5, seeds: [3, 1, 4, 1, 5] });
    const flat = (r: typeof one) => r.trajectories.map((t) => t.observations.map((o) => Array.from(o)));
    expect(flat(one)).toEqual(flat(two));
    expect(flat(one)[1]).toEqual(flat(one)[3]); // same seed, same episode
    expect(flat(one)[0]).not.toEqual(flat(one)[1]);
  });

  it('a batched async policy on lockstep envs gives the same episodes as a sync policy', async () => {
    const calls: number[] = [];
    const resets: number[] = [];
    const batch: BatchPolicy = {
      actBatch: async (observations, slots) => {
        calls.push(observations.length);
        expect(slots.length).toBe(observations.length);
        return observations.map(wobbly);
      },
      reset: (slot) => resets.push(slot),
    };
    const sync = await runRollouts(spec, wobbly, { episodes: 9 });
    const batched = await runRollouts(spec, batch, { episodes: 9, parallel: 4 });
    expect(batched.per_episode).toEqual(sync.per_episode.map((e) => ({ ...e })));
    expect(batched.trajectories.map((t) => t.observations.map((o) => Array.from(o)))).toEqual(
      sync.trajectories.map((t) => t.observations.map((o) => Array.from(o))),
    );
    expect(Math.max(...calls)).toBe(4);
    expect(resets.length).toBe(9);
    expect(new Set(resets)).toEqual(new Set([0, 1, 2, 3]));
    const asyncFn = await runRollouts(spec, async (o) => wobbly(o), { episodes: 9 });
    expect(asyncFn.per_episode.map((e) => e.sum_reward)).toEqual(sync.per_episode.map((e) => e.sum_reward));
  });

  it('records applied (clipped) actions, and nothing with record: false', async () => {
    const result = await runRollouts(spec, () => [5], { episodes: 1 });
    expect(result.trajectories[0]?.actions.every((a) => a[0] === 1)).toBe(true);
    const bare = await runRollouts(spec, () => [0], { episodes: 2, record: false });
    expect(bare.trajectories).toEqual([]);
    expect(bare.per_episode).toHaveLength(2);
  });

  it('uses but never disposes an env it was given; disposes envs it made', async () => {
    const env = await CartpoleEnv.create({ maxSteps: 5, successSteps: 1 });
    await runRollouts(env, () => [0], { episodes: 2 });
    expect(() => env.reset(0)).not.toThrow();
    await expect(runRollouts(env, () => [0], { episodes: 2, parallel: 2 })).rejects.toThrow(
      'single env instance',
    );
    env.dispose();
    const made: CartpoleEnv[] = [];
    await runRollouts(
      async () => {
        const e = await CartpoleEnv.create({ maxSteps: 5, successSteps: 1 });
        made.push(e);
        return e;
      },
      { actBatch: (obs) => obs.map(() => [0]) },
      { episodes: 3 },
    );
    expect(made).toHaveLength(3);
    for (const e of made) expect(() => e.reset(0)).toThrow('used after dispose');
  });

  it('rejects bad options and misbehaving policies clearly', async () => {
    await expect(runRollouts(spec, wobbly, { episodes: 0 })).rejects.toThrow(
      'episodes must be a positive integer',
    );
    await expect(runRollouts(spec, wobbly, { episodes: 3, seeds: [1] })).rejects.toThrow(
      '1 seeds for 3 episodes',
    );
    await expect(runRollouts(spec, wobbly, { episodes: 2, parallel: 0 })).rejects.toThrow(
      'parallel must be a positive integer',
    );
    await expect(runRollouts(spec, { actBatch: () => [] }, { episodes: 2 })).rejects.toThrow(
      'returned 0 actions for 2 observations',
    );
    await expect(runRollouts(spec, () => [Number.NaN], { episodes: 1 })).rejects.toThrow(
      'policy action (episode 0)[0] is NaN',
    );
  });
});

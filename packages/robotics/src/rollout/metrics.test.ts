import { describe, expect, it } from 'vitest';
import { aggregateEpisodes, type EpisodeMetrics, meanStd } from './metrics.js';

const episode = (i: number, sum: number, max: number, success: boolean): EpisodeMetrics => ({
  episode_ix: i,
  seed: i,
  sum_reward: sum,
  max_reward: max,
  success,
  length: 10 * (i + 1),
  terminated: !success,
});

describe('rollout metrics', () => {
  it('mean and population standard deviation', () => {
    expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(1.25) });
    expect(meanStd([])).toEqual({ mean: 0, std: 0 });
  });

  it('aggregates like LeRobot: pc_success in percent, averages of sum and max reward', () => {
    const a = aggregateEpisodes(
      [
        episode(0, 10, 1, true),
        episode(1, 4, 0.5, false),
        episode(2, 7, 0.9, true),
        episode(3, 3, 0.2, false),
      ],
      2,
    );
    expect(a).toEqual({
      n_episodes: 4,
      pc_success: 50,
      avg_sum_reward: 6,
      std_sum_reward: Math.sqrt((16 + 4 + 1 + 9) / 4),
      avg_max_reward: 0.65,
      std_max_reward: meanStd([1, 0.5, 0.9, 0.2]).std,
      avg_length: 25,
      eval_s: 2,
      eval_ep_s: 0.5,
    });
  });
});

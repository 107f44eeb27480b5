/** One episode's outcome, with LeRobot's `eval_info.json` field names. */
export interface EpisodeMetrics {
  readonly episode_ix: number;
  readonly seed: number;
  readonly sum_reward: number;
  readonly max_reward: number;
  /** The env's success criterion held at the last step. */
  readonly success: boolean;
  /** Steps taken. */
  readonly length: number;
  /** Ended inside the task (e.g. pole fell) rather than at the step limit. */
  readonly terminated: boolean;
}

/**
 * Aggregate rollout metrics as LeRobot reports them (`pc_success` in percent), plus population
 * standard deviations and timing.
 */
export interface AggregateMetrics {
  readonly n_episodes: number;
  readonly pc_success: number;
  readonly avg_sum_reward: number;
  readonly std_sum_reward: number;
  readonly avg_max_reward: number;
  readonly std_max_reward: number;
  readonly avg_length: number;
  /** Wall time of the whole evaluation, s. */
  readonly eval_s: number;
  /** Wall time per episode, s. */
  readonly eval_ep_s: number;
}

/** Mean and population standard deviation (0 and 0 for no values). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/** Aggregates per-episode metrics; `evalSeconds` is the wall time they took. */
export function aggregateEpisodes(
  episodes: readonly EpisodeMetrics[],
  evalSeconds: number,
): AggregateMetrics {
  const n = episodes.length;
  const sum = meanStd(episodes.map((e) => e.sum_reward));
  const max = meanStd(episodes.map((e) => e.max_reward));
  return {
    n_episodes: n,
    pc_success: n === 0 ? 0 : (100 * episodes.filter((e) => e.success).length) / n,
    avg_sum_reward: sum.mean,
    std_sum_reward: sum.std,
    avg_max_reward: max.mean,
    std_max_reward: max.std,
    avg_length: meanStd(episodes.map((e) => e.length)).mean,
    eval_s: evalSeconds,
    eval_ep_s: n === 0 ? 0 : evalSeconds / n,
  };
}

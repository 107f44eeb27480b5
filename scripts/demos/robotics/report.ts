import { meanStd } from '@peftkit/robotics';
import type { MethodRow } from '../method-row.js';
import { type MetricColumn, pct } from '../table.js';

/** Rollout metrics of a policy in one env (LeRobot's `eval_info.json` aggregates). */
export interface RolloutScore {
  /** Share of successful episodes, 0..1. */
  readonly success: number;
  readonly avgSumReward: number;
  readonly episodes: number;
}

/** One method's rollout scores over its training seeds: means, with standard deviations and each seed's. */
export interface SeededScore extends RolloutScore {
  /** Population standard deviation over seeds (0 for one seed). */
  readonly successStd: number;
  readonly avgSumRewardStd: number;
  readonly perSeed: readonly RolloutScore[];
}

/** Mean and std over seeds of each metric. */
export function overSeeds(scores: readonly RolloutScore[]): SeededScore {
  const success = meanStd(scores.map((s) => s.success));
  const reward = meanStd(scores.map((s) => s.avgSumReward));
  return {
    success: success.mean,
    successStd: success.std,
    avgSumReward: reward.mean,
    avgSumRewardStd: reward.std,
    episodes: scores[0]?.episodes ?? 0,
    perSeed: scores,
  };
}

/** One method's outcome: rollouts in the shifted setting and back in the source setting. */
export interface MethodResult extends MethodRow {
  readonly target: SeededScore | null;
  readonly source: SeededScore | null;
  /** Target demonstration episodes the method trained on. */
  readonly demosUsed: number;
  /** Learner episodes labelled by the expert (DAgger rows), else 0. */
  readonly labelledEpisodes: number;
  /** Training seeds behind the scores (empty for zero-shot, which trains nothing). */
  readonly seeds: readonly number[];
}

const withStd = (mean: string, std: string, seeds: number) => (seeds > 1 ? `${mean} ± ${std}` : mean);

/** The metric columns of a scenario's table; `shift` names the shifted setting. */
export function metricColumns(shift: string): readonly MetricColumn<MethodResult>[] {
  const success = (s: SeededScore | null) =>
    s ? withStd(pct(s.success), (100 * s.successStd).toFixed(1), s.perSeed.length) : 'n/a';
  return [
    { header: `success (${shift})`, cell: (r) => success(r.target) },
    {
      header: `avg return (${shift})`,
      cell: (r) =>
        r.target
          ? withStd(
              r.target.avgSumReward.toFixed(1),
              r.target.avgSumRewardStd.toFixed(1),
              r.target.perSeed.length,
            )
          : 'n/a',
    },
    { header: 'success (source)', cell: (r) => success(r.source) },
    {
      header: 'demos used',
      cell: (r) =>
        r.labelledEpisodes ? `${r.demosUsed} + ${r.labelledEpisodes} labelled` : String(r.demosUsed),
    },
  ];
}

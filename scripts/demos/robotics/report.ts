import type { MethodRow } from '../method-row.js';
import { type MetricColumn, pct } from '../table.js';

/** Rollout metrics of a policy in one env (LeRobot's `eval_info.json` aggregates). */
export interface RolloutScore {
  /** Share of successful episodes, 0..1. */
  readonly success: number;
  readonly avgSumReward: number;
  readonly episodes: number;
}

/** One method's outcome: rollouts in the shifted setting and back in the source setting. */
export interface MethodResult extends MethodRow {
  readonly target: RolloutScore | null;
  readonly source: RolloutScore | null;
  /** Target demonstration episodes the method trained on. */
  readonly demosUsed: number;
}

/** The metric columns of a scenario's table; `shift` names the shifted setting. */
export function metricColumns(shift: string): readonly MetricColumn<MethodResult>[] {
  return [
    { header: `success (${shift})`, cell: (r) => pct(r.target?.success) },
    { header: `avg return (${shift})`, cell: (r) => (r.target ? r.target.avgSumReward.toFixed(1) : 'n/a') },
    { header: 'success (source)', cell: (r) => pct(r.source?.success) },
    { header: 'demos used', cell: (r) => String(r.demosUsed) },
  ];
}

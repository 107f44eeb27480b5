import type { MethodRow } from '../method-row.js';
import { type MetricColumn, pct } from '../table.js';

/** Rollout metrics of a policy in one env (LeRobot's `eval_info.json` aggregates). */
export interface RolloutScore {
  /** Share of successful episodes, 0..1. */
  readonly success: number;
  readonly avgSumReward: number;
  readonly episodes: number;
}

/** One method's outcome: rollouts in the shifted physics and back in the source physics. */
export interface MethodResult extends MethodRow {
  readonly target: RolloutScore | null;
  readonly source: RolloutScore | null;
  /** Target-physics demonstration episodes the method trained on. */
  readonly demosUsed: number;
}

/** The robotics demo's metric columns of the method table. */
export const METRIC_COLUMNS: readonly MetricColumn<MethodResult>[] = [
  { header: 'success (weak motor)', cell: (r) => pct(r.target?.success) },
  { header: 'avg return (weak motor)', cell: (r) => (r.target ? r.target.avgSumReward.toFixed(1) : 'n/a') },
  { header: 'success (source motor)', cell: (r) => pct(r.source?.success) },
  { header: 'demos used', cell: (r) => String(r.demosUsed) },
];

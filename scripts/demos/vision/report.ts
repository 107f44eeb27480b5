import type { MethodRow } from '../method-row.js';
import { type MetricColumn, pct } from '../table.js';

/** One method's outcome on the held-out target test split. */
export interface MethodResult extends MethodRow {
  readonly accuracy: number | null;
  readonly macroF1: number | null;
}

/** The vision demo's metric columns of the method table. */
export const METRIC_COLUMNS: readonly MetricColumn<MethodResult>[] = [
  { header: 'test accuracy', cell: (r) => pct(r.accuracy) },
  { header: 'macro-F1', cell: (r) => (r.macroF1 === null ? 'n/a' : r.macroF1.toFixed(3)) },
];

import type { Metric } from '../train/metrics/metric.js';

/**
 * Contribution point for metrics beyond core's built-ins (`accuracy`, `macro_f1`, `auroc`, ...).
 * Named with a suffix because core's `Metric` is the streaming metric interface itself.
 */
export const MetricContribution = Symbol.for('peftkit.MetricContribution');

/**
 * A named metric factory. The name is what run configs list in `training.metrics` and what
 * appears in `metrics.jsonl`; it must not shadow a built-in name.
 *
 * @example
 * { id: 'within_one', description: 'share of predictions within one class of the target',
 *   create: () => new BufferedMetric('within_one', (p, t) => ...) }
 */
export interface MetricContribution {
  readonly id: string;
  readonly description: string;
  /** A fresh metric whose `name` equals `id`. */
  create(): Metric;
}

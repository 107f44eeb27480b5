import type { Numbers } from './inputs.js';
import {
  isRows,
  type Metric,
  type MetricInput,
  type MetricTargets,
  type MetricUpdateContext,
  type MetricValue,
} from './metric.js';

/** What a multi-label metric computes on: every score row, target row and the thresholds. */
export type MultiLabelCompute = (
  scores: number[][],
  targets: number[][],
  thresholds: number | readonly number[],
) => MetricValue;

/**
 * A buffered metric over multi-label data: predictions are `[N][K]` scores (probabilities, or 0/1
 * decisions), targets `[N][K]` 0/1 rows. Decision thresholds come from the update context (the
 * head's configured ones) when given, else `defaultThreshold`. Wrong shapes throw, naming the
 * metric and what it expects.
 *
 * @example
 * const m = new MultiLabelMetric('exact', (s, t, th) => subsetAccuracy(s, t, th));
 * m.update([[0.9, 0.1]], [[1, 0]], { thresholds: [0.5, 0.3] });
 */
export class MultiLabelMetric implements Metric {
  private scores: number[][] = [];
  private targets: number[][] = [];
  private thresholds: number | readonly number[] | undefined;

  constructor(
    readonly name: string,
    private readonly fn: MultiLabelCompute,
    private readonly defaultThreshold = 0.5,
  ) {}

  update(predictions: MetricInput, targets: MetricTargets, context?: MetricUpdateContext): void {
    if (predictions.length !== targets.length) {
      throw new Error(`${this.name}.update: ${predictions.length} predictions for ${targets.length} targets`);
    }
    if (targets.length === 0) return;
    if (!isRows(targets)) {
      throw new Error(
        `${this.name}: targets must be [N][K] 0/1 rows (one row of labels per example), got one number per example`,
      );
    }
    if (!isRows(predictions)) {
      throw new Error(
        `${this.name}: predictions must be [N][K] scores (one row per example), got one number per example`,
      );
    }
    if (context?.thresholds !== undefined) this.setThresholds(context.thresholds);
    for (let i = 0; i < targets.length; i++) {
      this.scores.push(Array.from(predictions[i]!));
      this.targets.push(Array.from(targets[i]!));
    }
  }

  compute(): MetricValue {
    if (this.targets.length === 0) throw new Error(`${this.name}.compute: no data; call update() first`);
    return this.fn(this.scores, this.targets, this.thresholds ?? this.defaultThreshold);
  }

  reset(): void {
    this.scores = [];
    this.targets = [];
    this.thresholds = undefined;
  }

  // Thresholds are a property of the model, not of a batch: batches that disagree are a bug.
  private setThresholds(t: number | Numbers): void {
    const next = typeof t === 'number' ? t : Array.from(t);
    if (this.thresholds !== undefined && JSON.stringify(this.thresholds) !== JSON.stringify(next)) {
      throw new Error(
        `${this.name}.update: thresholds changed between batches (${JSON.stringify(this.thresholds)} then ${JSON.stringify(next)})`,
      );
    }
    this.thresholds = next;
  }
}

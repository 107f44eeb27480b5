import type { Numbers } from './inputs.js';

/**
 * Predictions as the host sees them: one number per example (class ids, scores, regression
 * outputs) or one row per example (class scores/probabilities `[N][C]`). Convert tensors with
 * `await t.array()` (or `t.dataSync()` for 1-D) before `update`.
 */
export type MetricInput = Numbers | readonly Numbers[];

/** What `compute` returns: one number, or named numbers (e.g. precision/recall/f1). */
export type MetricValue = number | Record<string, number>;

/**
 * A streaming metric: feed batches with `update`, read with `compute`, start over with `reset`.
 * Domain heads contribute metrics under a name; the Trainer only sees this interface.
 *
 * @example
 * ```ts
 * const m = createMetric('macro_f1');
 * for (const batch of evalBatches) m.update(await logits.array(), labels);
 * log({ [m.name]: m.compute() });
 * m.reset();
 * ```
 */
export interface Metric {
  readonly name: string;
  update(predictions: MetricInput, targets: Numbers): void;
  compute(): MetricValue;
  reset(): void;
}

/** True when the input is `[N][C]` rows rather than one number per example. */
export function isRows(x: MetricInput): x is readonly Numbers[] {
  return x.length > 0 && typeof x[0] !== 'number';
}

/**
 * Collects every prediction row and target, then computes on the whole set: exact for ranking
 * metrics such as AUROC, which cannot be averaged over batches.
 */
export class BufferedMetric implements Metric {
  private preds: (number | Numbers)[] = [];
  private targets: number[] = [];

  /**
   * @param name the metric's name in logs.
   * @param fn computes the value from everything seen so far.
   */
  constructor(
    readonly name: string,
    private readonly fn: (preds: MetricInput, targets: number[]) => MetricValue,
  ) {}

  update(predictions: MetricInput, targets: Numbers): void {
    if (predictions.length !== targets.length) {
      throw new Error(`${this.name}.update: ${predictions.length} predictions for ${targets.length} targets`);
    }
    if (predictions.length === 0) return;
    const rows = isRows(predictions);
    if (this.preds.length > 0 && rows !== (typeof this.preds[0] !== 'number')) {
      throw new Error(`${this.name}.update: mixing per-example numbers and per-example rows`);
    }
    for (let i = 0; i < predictions.length; i++) {
      this.preds.push(
        rows ? Array.from((predictions as readonly Numbers[])[i]!) : (predictions[i] as number),
      );
      this.targets.push(targets[i]!);
    }
  }

  compute(): MetricValue {
    if (this.targets.length === 0) throw new Error(`${this.name}.compute: no data; call update() first`);
    return this.fn(this.preds as MetricInput, this.targets);
  }

  reset(): void {
    this.preds = [];
    this.targets = [];
  }
}

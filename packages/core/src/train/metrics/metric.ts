import type { Numbers } from './inputs.js';

/**
 * Predictions as the host sees them: one number per example (class ids, scores, regression
 * outputs) or one row per example (class scores/probabilities `[N][C]`). Convert tensors with
 * `await t.array()` (or `t.dataSync()` for 1-D) before `update`.
 */
export type MetricInput = Numbers | readonly Numbers[];

/**
 * Targets as the host sees them: one number per example (a class id, a 0/1 label, a regression
 * value) or one row per example (multi-label 0/1 rows `[N][K]`).
 */
export type MetricTargets = Numbers | readonly Numbers[];

/** What the producer of the predictions tells the metrics besides predictions and targets. */
export interface MetricUpdateContext {
  /**
   * Decision thresholds for score predictions, one for all classes or one per class (a
   * multi-label head's configured thresholds). Metrics that binarise scores use them instead of
   * their own default.
   */
  readonly thresholds?: number | Numbers | undefined;
  /**
   * Renders one prediction or target row (a sequence of symbol ids, e.g. generated tokens, padding
   * included) as a string, for metrics that score sequences as strings (the text plugin's BLEU,
   * chrF, ROUGE). Heads whose predictions are sequences supply it; core never calls it.
   */
  readonly decode?: ((row: Numbers) => string) | undefined;
}

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
  /**
   * Adds one batch. Single-label metrics take one target per example; multi-label ones `[N][K]`
   * 0/1 rows. A metric given the other shape throws, naming itself and what it expects.
   */
  update(predictions: MetricInput, targets: MetricTargets, context?: MetricUpdateContext): void;
  compute(): MetricValue;
  reset(): void;
}

/** True when the input is `[N][C]` rows rather than one number per example. */
export function isRows(x: MetricInput | MetricTargets): x is readonly Numbers[] {
  return x.length > 0 && typeof x[0] !== 'number';
}

/**
 * Collects every prediction row and target, then computes on the whole set: exact for ranking
 * metrics such as AUROC, which cannot be averaged over batches. Targets are one number per
 * example; for multi-label `[N][K]` targets see `MultiLabelMetric`.
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

  update(predictions: MetricInput, rawTargets: MetricTargets): void {
    // `[N][1]` rows (an `[N, 1]` target tensor) are one number per example, as they always were.
    const targets =
      isRows(rawTargets) && rawTargets.every((row) => row.length === 1)
        ? rawTargets.map((row) => row[0]!)
        : rawTargets;
    if (isRows(targets)) {
      throw new Error(
        `${this.name}: targets must be one number per example (a class id, 0/1 label or value), got ` +
          `[N][${targets[0]!.length}] rows; for multi-label targets use multilabel_auroc, multilabel_f1, ` +
          'subset_accuracy or hamming_loss',
      );
    }
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

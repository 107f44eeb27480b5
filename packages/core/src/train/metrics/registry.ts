import { accuracy } from './accuracy.js';
import { auroc, aurocOneVsRest } from './auroc.js';
import type { Numbers } from './inputs.js';
import { BufferedMetric, isRows, type Metric, type MetricInput } from './metric.js';
import { hammingLoss, multilabelAuroc, multilabelF1, subsetAccuracy } from './multilabel.js';
import { MultiLabelMetric } from './multilabel-metric.js';
import { precisionRecallF1 } from './precision-recall-f1.js';
import { mae, mse } from './regression.js';
import { bestThreshold, sensitivitySpecificity } from './threshold.js';

export interface MetricOptions {
  /** Positive class for `binary_f1` (default 1). */
  positiveLabel?: number;
  /**
   * Decision threshold for `sensitivity_specificity` and the multi-label metrics (default 0.5);
   * thresholds passed with `update` (a multi-label head's) take precedence for the latter.
   */
  threshold?: number;
  /** Classes to macro-average over (default: classes seen in predictions or labels). */
  labels?: readonly number[];
}

/** Index of the largest entry of each row (first on ties). */
export function argmaxRows(rows: readonly Numbers[]): number[] {
  return rows.map((row) => {
    let best = 0;
    for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
    return best;
  });
}

/**
 * Class ids from predictions: rows are scores (argmax); single numbers must already be integer
 * class ids (a fractional value means unthresholded scores were passed by mistake).
 */
export function toClassIds(preds: MetricInput, metric: string): number[] {
  if (isRows(preds)) {
    if (preds[0]!.length < 2) {
      throw new Error(`${metric}: [N][1] scores are ambiguous; threshold them into class ids first`);
    }
    return argmaxRows(preds);
  }
  const ids = Array.from(preds);
  const bad = ids.find((v) => !Number.isInteger(v));
  if (bad !== undefined)
    throw new Error(`${metric}: predictions must be class ids or [N][C] scores, got ${bad}`);
  return ids;
}

/** Positive-class scores: numbers as-is, `[N][2]` rows' column 1, `[N][1]` rows' column 0. */
export function toBinaryScores(preds: MetricInput, metric: string): number[] {
  if (!isRows(preds)) return Array.from(preds);
  const width = preds[0]!.length;
  if (width > 2) throw new Error(`${metric}: expected binary scores, got ${width} columns; use auroc_ovr`);
  return preds.map((row) => row[width - 1]!);
}

const classification = (name: string, options: MetricOptions, key: 'precision' | 'recall' | 'f1' | 'all') => {
  const average = name.startsWith('micro') ? 'micro' : name.startsWith('binary') ? 'binary' : 'macro';
  return new BufferedMetric(name, (p, t) => {
    const r = precisionRecallF1(toClassIds(p, name), t, {
      average,
      ...(options.positiveLabel !== undefined ? { positiveLabel: options.positiveLabel } : {}),
      ...(options.labels ? { labels: options.labels } : {}),
    });
    return key === 'all' ? { precision: r.precision, recall: r.recall, f1: r.f1 } : r[key];
  });
};

/**
 * The built-in streaming metrics by name. Every factory returns a fresh {@link Metric}.
 *
 * - `accuracy`, `macro_f1`, `micro_f1`, `binary_f1`, `macro_precision`, `macro_recall`,
 *   `precision_recall_f1` (macro; returns `{precision, recall, f1}`): predictions are class ids or
 *   `[N][C]` scores (argmax).
 * - `auroc`: binary scores (numbers, `[N][1]` or `[N][2]` rows); NaN if one class only.
 * - `auroc_ovr`: `[N][C]` scores; returns `{ macro, evaluated, skipped }` (class counts).
 * - `sensitivity_specificity`: binary scores at `threshold` (default 0.5).
 * - `best_threshold`: `{ threshold, sensitivity, specificity, j }` by Youden's J.
 * - `mse`, `mae`: numbers or rows (flattened).
 * - Multi-label (`[N][K]` scores, `[N][K]` 0/1 targets; decisions `score >= threshold`):
 *   `multilabel_auroc` `{ macro, micro, evaluated, skipped }` (macro over labels with both
 *   values present), `multilabel_f1` (macro over labels), `subset_accuracy` (exact match),
 *   `hamming_loss` (share of wrong decisions).
 */
export const BUILTIN_METRICS = {
  accuracy: () => new BufferedMetric('accuracy', (p, t) => accuracy(toClassIds(p, 'accuracy'), t)),
  macro_f1: (o: MetricOptions) => classification('macro_f1', o, 'f1'),
  micro_f1: (o: MetricOptions) => classification('micro_f1', o, 'f1'),
  binary_f1: (o: MetricOptions) => classification('binary_f1', o, 'f1'),
  macro_precision: (o: MetricOptions) => classification('macro_precision', o, 'precision'),
  macro_recall: (o: MetricOptions) => classification('macro_recall', o, 'recall'),
  precision_recall_f1: (o: MetricOptions) => classification('precision_recall_f1', o, 'all'),
  auroc: () => new BufferedMetric('auroc', (p, t) => auroc(toBinaryScores(p, 'auroc'), t)),
  auroc_ovr: () =>
    new BufferedMetric('auroc_ovr', (p, t) => {
      if (!isRows(p)) throw new Error('auroc_ovr: predictions must be [N][C] class scores');
      const r = aurocOneVsRest(p, t);
      return { macro: r.macro, evaluated: r.perClass.length - r.skipped.length, skipped: r.skipped.length };
    }),
  sensitivity_specificity: (o: MetricOptions) =>
    new BufferedMetric('sensitivity_specificity', (p, t) => ({
      ...sensitivitySpecificity(toBinaryScores(p, 'sensitivity_specificity'), t, o.threshold ?? 0.5),
    })),
  best_threshold: () =>
    new BufferedMetric('best_threshold', (p, t) => ({
      ...bestThreshold(toBinaryScores(p, 'best_threshold'), t, 'youden'),
    })),
  multilabel_auroc: () =>
    new MultiLabelMetric('multilabel_auroc', (s, t) => {
      const r = multilabelAuroc(s, t);
      return {
        macro: r.macro,
        micro: r.micro,
        evaluated: r.perClass.length - r.skipped.length,
        skipped: r.skipped.length,
      };
    }),
  multilabel_f1: (o: MetricOptions) =>
    new MultiLabelMetric('multilabel_f1', (s, t, th) => multilabelF1(s, t, th).macro, o.threshold),
  subset_accuracy: (o: MetricOptions) =>
    new MultiLabelMetric('subset_accuracy', (s, t, th) => subsetAccuracy(s, t, th), o.threshold),
  hamming_loss: (o: MetricOptions) =>
    new MultiLabelMetric('hamming_loss', (s, t, th) => hammingLoss(s, t, th), o.threshold),
  mse: () => new BufferedMetric('mse', (p, t) => mse(flatten(p), t)),
  mae: () => new BufferedMetric('mae', (p, t) => mae(flatten(p), t)),
} as const satisfies Record<string, (options: MetricOptions) => Metric>;

export type BuiltinMetricName = keyof typeof BUILTIN_METRICS;

/** Names accepted by {@link createMetric}. */
export const BUILTIN_METRIC_NAMES = Object.keys(BUILTIN_METRICS) as BuiltinMetricName[];

function flatten(p: MetricInput): number[] {
  return isRows(p) ? p.flatMap((row) => Array.from(row)) : Array.from(p);
}

/**
 * A fresh built-in metric by name; an unknown name throws listing the valid ones.
 *
 * @example
 * ```ts
 * const metrics = ['accuracy', 'macro_f1'].map((n) => createMetric(n));
 * ```
 */
export function createMetric(name: string, options: MetricOptions = {}): Metric {
  if (!Object.hasOwn(BUILTIN_METRICS, name)) {
    throw new Error(`createMetric: unknown metric '${name}' (valid: ${BUILTIN_METRIC_NAMES.join(', ')})`);
  }
  return BUILTIN_METRICS[name as BuiltinMetricName](options);
}

import type { MetricInput, MetricTargets, MetricUpdateContext } from '../metrics/metric.js';
import { prCurve, rocCurve, thinCurve } from './roc-pr.js';

/** Precision, recall and F1 of one class (one-vs-rest), with its number of true examples. */
export interface PerClassScores {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** ROC and PR curves of one class against the rest (for binary tasks: the positive class). */
export interface ClassCurves {
  readonly label: string;
  readonly roc: readonly (readonly [number, number])[];
  readonly auc: number;
  readonly pr: readonly (readonly [number, number])[];
  readonly averagePrecision: number;
}

/**
 * What a single-label classification evaluation looked like, for reports: the confusion matrix
 * (`confusion[true][predicted]`, in label order), per-class precision/recall/F1, and ROC/PR
 * curves where the head gave scores (binary: the positive class; multi-class: one-vs-rest).
 * JSON, so it can be stored next to a run and rendered again.
 */
export interface ClassificationAnalysis {
  readonly labels: readonly string[];
  readonly examples: number;
  readonly confusion: readonly (readonly number[])[];
  readonly perClass: readonly PerClassScores[];
  readonly curves: readonly ClassCurves[];
}

/** Examples kept for curves; beyond it the counts stay exact and the curves use the first ones. */
const MAX_SCORED = 100_000;
/** Points per stored curve (enough for a smooth chart, small in JSON). */
const CURVE_POINTS = 201;

const isInt = (v: number): boolean => Number.isInteger(v);

/**
 * Collects what a head's `metricInputs` hands the metrics during one evaluation (score rows
 * `[N][C]` with C >= 2, one score per example in [0, 1] with 0/1 targets, or class ids) and
 * turns it into a `ClassificationAnalysis`. Anything else (regression values, multi-label rows,
 * sequences) marks it as not applicable: `analysis` then returns null.
 */
export class ClassificationCollector {
  private targets: number[] = [];
  private predicted: number[] = [];
  /** Per example: the score row (multi-class) or `[1 - s, s]` (binary); null when only ids came. */
  private scores: (number[] | null)[] = [];
  private applicable = true;

  reset(): void {
    this.targets = [];
    this.predicted = [];
    this.scores = [];
    this.applicable = true;
  }

  update(predictions: MetricInput, rawTargets: MetricTargets, context?: MetricUpdateContext): void {
    if (!this.applicable) return;
    const targets = flatTargets(rawTargets);
    const read = targets?.every(isInt) ? readPredictions(predictions, targets, context) : null;
    if (!targets || !read || read.classes.length !== targets.length) {
      this.applicable = false;
      return;
    }
    for (let i = 0; i < targets.length; i++) {
      this.targets.push(targets[i]!);
      this.predicted.push(read.classes[i]!);
      if (this.scores.length < MAX_SCORED) this.scores.push(read.scores?.[i] ?? null);
    }
  }

  /** The analysis with `labels` naming class ids (ids beyond them are named by number); null when not applicable. */
  analysis(labels: readonly string[] | null | undefined): ClassificationAnalysis | null {
    if (!this.applicable || this.targets.length === 0) return null;
    const maxId = Math.max(...this.targets, ...this.predicted, (labels?.length ?? 0) - 1);
    const names = Array.from({ length: maxId + 1 }, (_, c) => labels?.[c] ?? String(c));
    const k = names.length;
    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < this.targets.length; i++) confusion[this.targets[i]!]![this.predicted[i]!]! += 1;
    const perClass = names.map((label, c): PerClassScores => {
      const tp = confusion[c]![c]!;
      const support = confusion[c]!.reduce((a, b) => a + b, 0);
      const predictedAs = confusion.reduce((a, row) => a + row[c]!, 0);
      const precision = predictedAs ? tp / predictedAs : 0;
      const recall = support ? tp / support : 0;
      const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      return { label, precision, recall, f1, support };
    });
    return { labels: names, examples: this.targets.length, confusion, perClass, curves: this.curves(names) };
  }

  private curves(names: readonly string[]): ClassCurves[] {
    if (this.scores.length === 0 || this.scores.some((s) => s === null || s.length !== names.length))
      return [];
    const rows = this.scores as number[][];
    const ys = this.targets.slice(0, rows.length);
    // Binary: one curve, for the positive class (id 1), as sklearn's roc_curve.
    const classes = names.length === 2 ? [1] : names.map((_, c) => c);
    const out: ClassCurves[] = [];
    for (const c of classes) {
      const s = rows.map((r) => r[c]!);
      const positive = ys.map((y) => y === c);
      const roc = rocCurve(s, positive);
      const pr = prCurve(s, positive);
      if (!roc || !pr) continue;
      out.push({
        label: names[c]!,
        roc: thinCurve(roc.points, CURVE_POINTS),
        auc: roc.area,
        pr: thinCurve(pr.points, CURVE_POINTS),
        averagePrecision: pr.area,
      });
    }
    return out;
  }
}

function flatTargets(t: MetricTargets): number[] | null {
  if (t.length === 0) return [];
  if (typeof t[0] === 'number') return Array.from(t as ArrayLike<number>);
  const rows = t as readonly ArrayLike<number>[];
  return rows.every((r) => r.length === 1) ? rows.map((r) => r[0]!) : null;
}

/** Predicted class ids, and score rows when the predictions are scores. */
function readPredictions(
  p: MetricInput,
  targets: readonly number[],
  context?: MetricUpdateContext,
): { classes: number[]; scores: number[][] | null } | null {
  if (p.length === 0) return { classes: [], scores: null };
  if (typeof p[0] !== 'number') {
    const rows = (p as readonly ArrayLike<number>[]).map((r) => Array.from(r));
    const width = rows[0]!.length;
    if (width === 1)
      return binary(
        rows.map((r) => r[0]!),
        targets,
        context,
      );
    if (width < 2 || rows.some((r) => r.length !== width)) return null;
    const classes = rows.map((r) => r.indexOf(Math.max(...r)));
    return { classes, scores: rows };
  }
  const values = Array.from(p as ArrayLike<number>);
  if (values.every(isInt)) return { classes: values, scores: null };
  return binary(values, targets, context);
}

function binary(
  scores: number[],
  targets: readonly number[],
  context?: MetricUpdateContext,
): { classes: number[]; scores: number[][] } | null {
  if (!targets.every((y) => y === 0 || y === 1)) return null;
  if (!scores.every((s) => s >= 0 && s <= 1)) return null;
  const th = context?.thresholds;
  const threshold = typeof th === 'number' ? th : th && th.length === 1 ? th[0]! : 0.5;
  return { classes: scores.map((s) => (s >= threshold ? 1 : 0)), scores: scores.map((s) => [1 - s, s]) };
}

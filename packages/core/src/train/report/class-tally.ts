import type { MetricInput, MetricTargets, MetricUpdateContext } from '../metrics/metric.js';

/** Counts of true and predicted classes over one evaluation, plus the per-class hits. */
export interface ClassDistribution {
  /** Examples per true class id (as a string key, so the object is JSON). */
  readonly targets: Record<string, number>;
  /** Examples per predicted class id. */
  readonly predictions: Record<string, number>;
  /** Correct predictions per class id. */
  readonly correct: Record<string, number>;
}

const isInt = (v: number): boolean => Number.isInteger(v);

/**
 * Tallies true and predicted classes of single-label classification evaluations, from whatever a
 * head's `metricInputs` hands the metrics: score rows `[N][C]` (C >= 2, the argmax is the class),
 * one score per example in [0, 1] with 0/1 targets (binary, thresholded at the head's threshold or
 * 0.5), or class ids. Anything else (regression values, multi-label rows, sequences) marks the
 * tally as not applicable, so no classification warning is ever raised about it.
 */
export class ClassTally {
  private targets = new Map<number, number>();
  private predictions = new Map<number, number>();
  private correct = new Map<number, number>();
  private applicable = true;

  reset(): void {
    this.targets.clear();
    this.predictions.clear();
    this.correct.clear();
    this.applicable = true;
  }

  update(predictions: MetricInput, rawTargets: MetricTargets, context?: MetricUpdateContext): void {
    if (!this.applicable) return;
    const targets = flatTargets(rawTargets);
    if (!targets || targets.length !== predictions.length || !targets.every(isInt)) {
      this.applicable = false;
      return;
    }
    const classes = predictedClasses(predictions, targets, context);
    if (!classes) {
      this.applicable = false;
      return;
    }
    for (let i = 0; i < targets.length; i++) {
      const y = targets[i]!;
      const p = classes[i]!;
      bump(this.targets, y);
      bump(this.predictions, p);
      if (p === y) bump(this.correct, y);
    }
  }

  /** The tally, or null when the evaluated task is not single-label classification (or no data). */
  distribution(): ClassDistribution | null {
    if (!this.applicable || this.targets.size === 0) return null;
    return {
      targets: toRecord(this.targets),
      predictions: toRecord(this.predictions),
      correct: toRecord(this.correct),
    };
  }
}

function bump(m: Map<number, number>, k: number): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function toRecord(m: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
}

function flatTargets(t: MetricTargets): number[] | null {
  if (t.length === 0) return [];
  if (typeof t[0] === 'number') return Array.from(t as ArrayLike<number>);
  const rows = t as readonly ArrayLike<number>[];
  return rows.every((r) => r.length === 1) ? rows.map((r) => r[0]!) : null;
}

function predictedClasses(
  p: MetricInput,
  targets: readonly number[],
  context?: MetricUpdateContext,
): number[] | null {
  if (p.length === 0) return [];
  if (typeof p[0] !== 'number') {
    const rows = p as readonly ArrayLike<number>[];
    const width = rows[0]!.length;
    if (width === 1)
      return binaryScores(
        rows.map((r) => r[0]!),
        targets,
        context,
      );
    if (width < 2 || rows.some((r) => r.length !== width)) return null;
    return rows.map((r) => {
      let best = 0;
      for (let c = 1; c < width; c++) if (r[c]! > r[best]!) best = c;
      return best;
    });
  }
  const values = Array.from(p as ArrayLike<number>);
  if (values.every(isInt)) return values;
  return binaryScores(values, targets, context);
}

function binaryScores(
  scores: number[],
  targets: readonly number[],
  context?: MetricUpdateContext,
): number[] | null {
  if (!targets.every((y) => y === 0 || y === 1)) return null;
  if (!scores.every((s) => s >= 0 && s <= 1)) return null;
  const th = context?.thresholds;
  const threshold = typeof th === 'number' ? th : th && th.length === 1 ? th[0]! : 0.5;
  return scores.map((s) => (s >= threshold ? 1 : 0));
}

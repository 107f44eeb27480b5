/** A curve as `[x, y]` points with the area under it. */
export interface ScoredCurve {
  readonly points: readonly (readonly [number, number])[];
  /** ROC: area under the curve (trapezoids); PR: average precision (step-wise, as sklearn). */
  readonly area: number;
}

/**
 * Sorts by descending score and yields the cumulative true/false positives after each distinct
 * score (ties move together, so the curve does not depend on the input order).
 */
function thresholdCounts(scores: readonly number[], positive: readonly boolean[]): [number, number][] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const out: [number, number][] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (positive[i]) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) out.push([tp, fp]);
  }
  return out;
}

/**
 * ROC curve (false positive rate, true positive rate) of `scores` for the examples marked
 * `positive`, from (0, 0) to (1, 1), and its AUC. Null when either class is absent (no curve).
 */
export function rocCurve(scores: readonly number[], positive: readonly boolean[]): ScoredCurve | null {
  const p = positive.filter(Boolean).length;
  const n = positive.length - p;
  if (p === 0 || n === 0) return null;
  const points: [number, number][] = [[0, 0]];
  for (const [tp, fp] of thresholdCounts(scores, positive)) points.push([fp / n, tp / p]);
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1]!;
    const [x1, y1] = points[i]!;
    area += ((x1 - x0) * (y0 + y1)) / 2;
  }
  return { points, area };
}

/**
 * Precision-recall curve (recall, precision) of `scores` for the examples marked `positive`, one
 * point per distinct threshold, and the average precision (sum of precision times the recall
 * gained at each threshold). Null when there are no positives.
 */
export function prCurve(scores: readonly number[], positive: readonly boolean[]): ScoredCurve | null {
  const p = positive.filter(Boolean).length;
  if (p === 0) return null;
  const points: [number, number][] = [];
  let area = 0;
  let lastRecall = 0;
  for (const [tp, fp] of thresholdCounts(scores, positive)) {
    const recall = tp / p;
    const precision = tp / (tp + fp);
    area += (recall - lastRecall) * precision;
    lastRecall = recall;
    points.push([recall, precision]);
  }
  return { points, area };
}

/** At most `max` points of a curve, evenly spaced along it, keeping both ends. */
export function thinCurve(
  points: readonly (readonly [number, number])[],
  max: number,
): (readonly [number, number])[] {
  if (points.length <= max) return [...points];
  const out: (readonly [number, number])[] = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round((k * (points.length - 1)) / (max - 1))]!);
  return out;
}

/** A binary decision threshold chosen on validation data. */
export interface BinaryThresholdChoice {
  /** Predict the positive class when its probability is greater than this. */
  readonly threshold: number;
  /** Macro F1 (both classes) at `threshold`. */
  readonly macroF1: number;
  /** Macro F1 of the usual rule (`p > 0.5`, i.e. argmax) on the same data. */
  readonly defaultMacroF1: number;
  readonly examples: number;
}

function macroF1At(tp: number, fp: number, pos: number, neg: number): number {
  const fn = pos - tp;
  const tn = neg - fp;
  const f1Pos = 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0;
  const f1Neg = 2 * tn + fn + fp > 0 ? (2 * tn) / (2 * tn + fn + fp) : 0;
  return (f1Pos + f1Neg) / 2;
}

/**
 * The threshold on the positive class's probability that maximises macro F1 on labelled data
 * (0/1 `targets`), for the rule "positive when `p > threshold`". Candidates are 0.5 and the
 * midpoints between consecutive distinct probabilities; ties go to the candidate nearest 0.5, so
 * a threshold moves away from the argmax rule only when that scores strictly better. Returns
 * undefined unless both classes occur. One sort, O(n log n).
 *
 * @example
 * chooseBinaryThreshold([0.1, 0.2, 0.35, 0.4], [0, 0, 1, 1]).threshold; // 0.275
 */
export function chooseBinaryThreshold(
  probabilities: ArrayLike<number>,
  targets: ArrayLike<number>,
): BinaryThresholdChoice | undefined {
  const n = probabilities.length;
  if (targets.length !== n) {
    throw new Error(`chooseBinaryThreshold: ${n} probabilities but ${targets.length} targets`);
  }
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => probabilities[b]! - probabilities[a]!);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const y = targets[i]!;
    const p = probabilities[i]!;
    if (y !== 0 && y !== 1) throw new Error(`chooseBinaryThreshold: target ${i} is ${y}, expected 0 or 1`);
    if (!Number.isFinite(p)) throw new Error(`chooseBinaryThreshold: probability ${i} is ${p}`);
    pos += y;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return undefined;
  const score = (t: number) => {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i++) {
      if (probabilities[i]! > t) {
        if (targets[i] === 1) tp++;
        else fp++;
      }
    }
    return macroF1At(tp, fp, pos, neg);
  };
  const defaultMacroF1 = score(0.5);
  let best = { threshold: 0.5, macroF1: defaultMacroF1 };
  // Walking down the sorted probabilities: after the k-th distinct value, everything above the
  // midpoint to the next value is predicted positive.
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (targets[i] === 1) tp++;
    else fp++;
    const p = probabilities[i]!;
    const next = k + 1 < n ? probabilities[idx[k + 1]!]! : undefined;
    if (next === p) continue;
    const t = next === undefined ? p / 2 : (p + next) / 2;
    const f = macroF1At(tp, fp, pos, neg);
    if (f > best.macroF1 || (f === best.macroF1 && Math.abs(t - 0.5) < Math.abs(best.threshold - 0.5))) {
      best = { threshold: t, macroF1: f };
    }
  }
  return { ...best, defaultMacroF1, examples: n };
}

/**
 * Maps a positive-class probability so that `threshold` lands on 0.5, piecewise linearly and
 * monotonically: argmax-based metrics then follow the tuned rule, ranking metrics (AUROC) are
 * unchanged.
 */
export function recentreProbability(p: number, threshold: number): number {
  if (p <= threshold) return threshold > 0 ? (0.5 * p) / threshold : 0.5;
  return threshold < 1 ? 0.5 + (0.5 * (p - threshold)) / (1 - threshold) : 1;
}

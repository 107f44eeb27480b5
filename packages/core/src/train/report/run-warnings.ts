import type { ClassDistribution } from './class-tally.js';

/** Why a warning was raised. */
export type RunWarningCode = 'single_class_predictions' | 'majority_baseline';

/** A problem with a finished run that a user must see: it trained, but learned little or nothing. */
export interface RunWarning {
  readonly code: RunWarningCode;
  /** One paragraph for people: what happened, the class distribution, the likely causes. */
  readonly message: string;
}

/**
 * How close to the majority-class baseline's macro F1 a run may end and still be warned about.
 * Above baseline + this margin the model separates the classes at least a little.
 */
export const MAJORITY_BASELINE_MARGIN = 0.02;

const CAUSES =
  'likely causes: the learning rate (too low for this PEFT method, or too high; try `peftkit tune-lr` or training.lr: auto), ' +
  'the adapter targets (add roles, e.g. attn.k/attn.o/ffn.*, or raise the rank), ' +
  'a base trained from scratch or unrelated to this data (pass --base), ' +
  'class imbalance (data.sampling: class-balanced, which auto picks above 3x; more minority examples), or too few steps / early stopping too soon';

/** Macro F1 over the classes that occur in the targets or predictions (scikit-learn's rule). */
export function tallyMacroF1(d: ClassDistribution): number {
  const classes = new Set([...Object.keys(d.targets), ...Object.keys(d.predictions)]);
  let sum = 0;
  for (const c of classes) {
    const tp = d.correct[c] ?? 0;
    const denom = (d.targets[c] ?? 0) + (d.predictions[c] ?? 0);
    sum += denom === 0 ? 0 : (2 * tp) / denom;
  }
  return classes.size === 0 ? 0 : sum / classes.size;
}

/** Macro F1 of always predicting the most frequent true class: `(2p / (1 + p)) / K`. */
export function majorityBaselineMacroF1(d: ClassDistribution): number {
  const counts = Object.values(d.targets);
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return 0;
  const p = Math.max(...counts) / n;
  return (2 * p) / (1 + p) / counts.length;
}

/** `0: 90 (90.0%), 1: 10 (10.0%)`, with label names when known. */
export function formatDistribution(
  counts: Record<string, number>,
  labels?: readonly string[] | null,
): string {
  const n = Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.entries(counts)
    .map(([k, v]) => {
      const name = labels?.[Number(k)];
      return `${name !== undefined && name !== k ? `${name} (${k})` : k}: ${v} (${((100 * v) / Math.max(1, n)).toFixed(1)}%)`;
    })
    .join(', ');
}

/**
 * The warnings a classification evaluation deserves: every prediction is one class while the
 * targets hold several, or macro F1 is no better than always predicting the majority class
 * (within {@link MAJORITY_BASELINE_MARGIN}). Each names the true and predicted class distribution
 * and the likely causes. An evaluation with a single true class cannot be judged: no warning.
 *
 * @example
 * classificationWarnings({ targets: { '0': 90, '1': 10 }, predictions: { '0': 100 }, correct: { '0': 90 } });
 * // [{ code: 'single_class_predictions', message: 'the model predicts class 0 for every one of 100 ...' }]
 */
export function classificationWarnings(
  d: ClassDistribution | null,
  labels?: readonly string[] | null,
): RunWarning[] {
  if (!d || Object.keys(d.targets).length < 2) return [];
  const n = Object.values(d.targets).reduce((a, b) => a + b, 0);
  const dist = `eval classes: ${formatDistribution(d.targets, labels)}; predicted: ${formatDistribution(d.predictions, labels)}`;
  const predicted = Object.keys(d.predictions);
  if (predicted.length === 1) {
    const only = predicted[0]!;
    const name = labels?.[Number(only)];
    const shown = name !== undefined && name !== only ? `${name} (${only})` : only;
    return [
      {
        code: 'single_class_predictions',
        message: `the model predicts class ${shown} for every one of ${n} evaluation examples: it learned nothing usable (${dist}); ${CAUSES}`,
      },
    ];
  }
  const f1 = tallyMacroF1(d);
  const baseline = majorityBaselineMacroF1(d);
  if (f1 <= baseline + MAJORITY_BASELINE_MARGIN) {
    return [
      {
        code: 'majority_baseline',
        message: `macro F1 ${f1.toFixed(3)} is at the majority-class baseline (${baseline.toFixed(3)}, always predicting the most frequent class): the model barely separates the classes (${dist}); ${CAUSES}`,
      },
    ];
  }
  return [];
}

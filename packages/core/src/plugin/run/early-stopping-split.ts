import { type AnyDataset, isMapDataset } from '../../train/data/dataset.js';
import { UserError } from '../user-error.js';

/** Fewest eval examples early stopping will judge a run on. */
export const EARLY_STOPPING_MIN_EVAL_EXAMPLES = 20;
/** Fewest eval examples of every class (classification) early stopping will judge a run on. */
export const EARLY_STOPPING_MIN_PER_CLASS = 2;
/** Above this many eval examples the per-class count is not taken (it would read every example). */
const PER_CLASS_SCAN_LIMIT = 5000;

/**
 * Refuses early stopping on a validation split too small to judge: fewer than
 * {@link EARLY_STOPPING_MIN_EVAL_EXAMPLES} examples, or (classification, when the reader says
 * how to read an example's label) a class of the label set with fewer than
 * {@link EARLY_STOPPING_MIN_PER_CLASS}. On such a split one example flips the metric by several
 * points, so "did not improve for `patience` evaluations" is noise and stops good runs early.
 */
export async function assertEarlyStoppingSplit(
  evalData: AnyDataset<unknown> | undefined,
  labels: readonly string[] | null,
  labelOf: ((example: unknown) => string | number) | undefined,
): Promise<void> {
  if (!evalData || !isMapDataset(evalData)) return;
  const n = evalData.length;
  const fix = 'add eval examples (data.eval or a larger data.evalFraction) or remove training.earlyStopping';
  if (n < EARLY_STOPPING_MIN_EVAL_EXAMPLES) {
    throw new UserError(
      `training.earlyStopping: the eval split has ${n} examples; early stopping needs at least ${EARLY_STOPPING_MIN_EVAL_EXAMPLES} to judge a run (${fix})`,
    );
  }
  if (!labels || labels.length < 2 || !labelOf || n > PER_CLASS_SCAN_LIMIT) return;
  const counts = new Map<string, number>(labels.map((l) => [l, 0]));
  for (let i = 0; i < n; i++) {
    const y = labelOf(await evalData.get(i));
    const key = typeof y === 'number' ? (labels[y] ?? String(y)) : y;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const thin = [...counts].filter(([, c]) => c < EARLY_STOPPING_MIN_PER_CLASS);
  if (thin.length > 0) {
    const list = thin.map(([l, c]) => `'${l}' ${c}`).join(', ');
    throw new UserError(
      `training.earlyStopping: the eval split has fewer than ${EARLY_STOPPING_MIN_PER_CLASS} examples of class ${list}; early stopping needs at least ${EARLY_STOPPING_MIN_PER_CLASS} per class to judge a run (${fix})`,
    );
  }
}

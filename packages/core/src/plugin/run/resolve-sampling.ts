import type { AnyDataset } from '../../train/data/dataset.js';
import { isMapDataset } from '../../train/data/dataset.js';
import type { DataSampling } from '../run-config/schema.js';

/** Largest over smallest training class above which `data.sampling: auto` balances classes. */
export const IMBALANCE_RATIO = 3;

/** What `data.sampling` means for one run. */
export interface ResolvedSampling {
  readonly sampling: Exclude<DataSampling, 'auto'>;
  /** One line for the run output when `auto` chose (undefined when the user chose). */
  readonly note: string | undefined;
  /** Training examples per class (label index or value), when they were counted. */
  readonly classCounts: Readonly<Record<string, number>> | undefined;
}

export interface ResolveSamplingArgs {
  readonly sampling: DataSampling;
  /** The head's task: only `classification` is balanced. */
  readonly task: string;
  readonly train: AnyDataset<unknown>;
  readonly labelOf: ((example: unknown) => string | number) | undefined;
  readonly labels: readonly string[] | undefined;
  /** The fitted preprocessor corrects imbalance itself (`PreprocessorInstance.balancesClasses`). */
  readonly preprocessorBalances?: boolean;
}

/**
 * Resolves `data.sampling: auto`. A classification run whose training labels are imbalanced
 * (largest class more than {@link IMBALANCE_RATIO} times the smallest) gets `class-balanced`
 * sampling, because with plain shuffling a small adapter on a biased head learns to predict the
 * majority class (issue 19: LoRA macro-F1 0.475 on a 10%-positive topic set, 0.764 balanced).
 * Everything else gets `shuffle`. A user's explicit choice is returned as is.
 */
export async function resolveSampling(a: ResolveSamplingArgs): Promise<ResolvedSampling> {
  if (a.sampling !== 'auto') return { sampling: a.sampling, note: undefined, classCounts: undefined };
  if (a.task !== 'classification' || !a.labelOf || !isMapDataset(a.train)) {
    return { sampling: 'shuffle', note: undefined, classCounts: undefined };
  }
  const counts = new Map<string | number, number>();
  for (let i = 0; i < a.train.length; i++) {
    const y = a.labelOf(await a.train.get(i));
    // Unlabelled rows (-1) are not a class.
    if (y === -1 || y === '') continue;
    counts.set(y, (counts.get(y) ?? 0) + 1);
  }
  const classCounts = Object.fromEntries([...counts].map(([k, v]) => [String(k), v]));
  if (counts.size < 2) return { sampling: 'shuffle', note: undefined, classCounts };
  const sorted = [...counts].sort((x, y) => y[1] - x[1]);
  const [major, minor] = [sorted[0]!, sorted[sorted.length - 1]!];
  const ratio = major[1] / minor[1];
  const name = (y: string | number) =>
    typeof y === 'number' && a.labels?.[y] !== undefined ? `${a.labels[y]}` : String(y);
  const detail = `largest class ${name(major[0])} has ${major[1]} training examples, smallest ${name(minor[0])} ${minor[1]} (${ratio.toFixed(1)}x)`;
  if (ratio <= IMBALANCE_RATIO) return { sampling: 'shuffle', note: undefined, classCounts };
  if (a.preprocessorBalances) {
    return {
      sampling: 'shuffle',
      note: `note: data.sampling auto: shuffle, although the ${detail}: the preprocessor already weights the classes in the loss`,
      classCounts,
    };
  }
  return {
    sampling: 'class-balanced',
    note: `note: data.sampling auto: class-balanced sampling, because the ${detail}, above ${IMBALANCE_RATIO}x; set data.sampling: shuffle to turn it off`,
    classCounts,
  };
}

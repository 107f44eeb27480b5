import { Rng } from '../../runtime/random.js';
import { type Dataset, datasetName, subsetDataset } from './dataset.js';

export interface TrainEvalSplitOptions<T> {
  /** Share of examples held out for evaluation, in (0, 1). */
  evalFraction: number;
  /** Seed of the split (independent of the process RNG, so splits do not move when code changes). */
  seed: number;
  /**
   * Class label of an example. When given, each class is split separately (stratified), and
   * every class with at least two examples appears in both splits.
   */
  stratifyBy?: (example: T, index: number) => string | number;
  /**
   * Group of an example (a speaker, a recording session, a robot episode). When given, whole
   * groups are held out: no group has examples on both sides, so eval measures generalisation to
   * unseen speakers or episodes instead of leaking near-duplicates. `round(groups *
   * evalFraction)` groups (at least 1, at most groups - 1) go to eval. Cannot be combined with
   * `stratifyBy`.
   */
  groupBy?: (example: T, index: number) => string | number;
}

export interface TrainEvalSplit<T> {
  train: Dataset<T>;
  eval: Dataset<T>;
  /** Per-class counts when stratified (`{ label: { train, eval } }`). */
  classes?: Record<string, { train: number; eval: number }>;
  /** Number of groups on each side when split by `groupBy`. */
  groups?: { train: number; eval: number };
}

/**
 * Splits a map-style dataset into train and eval views (no copies). Indices keep their original
 * order inside each split; shuffle in the `DataLoader`. Without `stratifyBy`, `round(n *
 * evalFraction)` examples (at least 1, at most n - 1) go to eval. With it, each class contributes
 * `round(count * evalFraction)` clamped to [1, count - 1]; a class with a single example stays in
 * train. Reading labels calls `get` on every example, hence async.
 *
 * @example
 * const { train, eval: held } = await trainEvalSplit(ds, { evalFraction: 0.1, seed: 1, stratifyBy: (e) => e.label });
 */
export async function trainEvalSplit<T>(
  dataset: Dataset<T>,
  options: TrainEvalSplitOptions<T>,
): Promise<TrainEvalSplit<T>> {
  const name = datasetName(dataset);
  const where = `trainEvalSplit(${name})`;
  const { evalFraction, seed } = options;
  if (!(evalFraction > 0 && evalFraction < 1)) {
    throw new Error(`${where}: evalFraction must be in (0, 1), got ${evalFraction}`);
  }
  if (!Number.isFinite(seed)) throw new Error(`${where}: seed must be a finite number, got ${seed}`);
  const n = dataset.length;
  if (n === 0) throw new Error(`${where}: dataset '${name}' is empty`);
  if (n < 2) throw new Error(`${where}: dataset '${name}' has 1 example; a split needs at least 2`);
  const rng = new Rng(seed);
  const evalIdx: number[] = [];
  const trainIdx: number[] = [];
  let classes: Record<string, { train: number; eval: number }> | undefined;
  let groups: { train: number; eval: number } | undefined;
  if (options.groupBy && options.stratifyBy) {
    throw new Error(`${where}: stratifyBy and groupBy cannot be combined`);
  }
  if (options.groupBy) {
    const byGroup = await indexBy(dataset, options.groupBy);
    const keys = [...byGroup.keys()].sort();
    if (keys.length < 2) {
      throw new Error(
        `${where}: all ${n} examples belong to one group ('${keys[0]}'); nothing can be held out`,
      );
    }
    const order = rng.shuffle(keys);
    const k = clamp(Math.round(keys.length * evalFraction), 1, keys.length - 1);
    for (const key of order.slice(0, k)) evalIdx.push(...(byGroup.get(key) as number[]));
    for (const key of order.slice(k)) trainIdx.push(...(byGroup.get(key) as number[]));
    groups = { train: keys.length - k, eval: k };
  } else if (!options.stratifyBy) {
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    const k = clamp(Math.round(n * evalFraction), 1, n - 1);
    evalIdx.push(...order.slice(0, k));
    trainIdx.push(...order.slice(k));
  } else {
    const byClass = await indexBy(dataset, options.stratifyBy);
    classes = {};
    // Sorted keys: the split must not depend on which class happened to come first.
    for (const key of [...byClass.keys()].sort()) {
      const members = rng.shuffle(byClass.get(key) as number[]);
      const k =
        members.length < 2 ? 0 : clamp(Math.round(members.length * evalFraction), 1, members.length - 1);
      evalIdx.push(...members.slice(0, k));
      trainIdx.push(...members.slice(k));
      classes[key] = { train: members.length - k, eval: k };
    }
    if (evalIdx.length === 0) {
      throw new Error(`${where}: every class has a single example; nothing can be held out`);
    }
  }
  const asc = (a: number, b: number) => a - b;
  return {
    train: subsetDataset(dataset, trainIdx.sort(asc), `${name}[train]`),
    eval: subsetDataset(dataset, evalIdx.sort(asc), `${name}[eval]`),
    ...(classes ? { classes } : {}),
    ...(groups ? { groups } : {}),
  };
}

/** Example indices per key (stringified), in index order. */
async function indexBy<T>(
  dataset: Dataset<T>,
  keyOf: (example: T, index: number) => string | number,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < dataset.length; i++) {
    const key = String(keyOf(await dataset.get(i), i));
    const list = out.get(key);
    if (list) list.push(i);
    else out.set(key, [i]);
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

import type { Rng } from '../../runtime/random.js';
import { type Dataset, datasetName } from './dataset.js';

/**
 * Chooses which examples of a map-style dataset an epoch visits, and in what order (PyTorch's
 * `Sampler`). The `DataLoader` calls `epochIndices` once per epoch with a generator seeded from
 * (loader seed, epoch), so an epoch's indices are a pure function of those two: prefetching and
 * resuming mid-epoch replay exactly the same batches.
 */
export interface Sampler<T> {
  /** Short name, part of the loader's `describe()` (and so of a run's trajectory hash). */
  readonly kind: string;
  /** `dataset.length` indices into `dataset` (repeats allowed), drawn from `rng` only. */
  epochIndices(dataset: Dataset<T>, rng: Rng): number[] | Promise<number[]>;
}

/**
 * `count` indices drawn with replacement, index `i` with probability `weights[i] / sum(weights)`
 * (torch's `WeightedRandomSampler`): one uniform draw and a binary search over the cumulative
 * weights per index.
 */
export function drawWeighted(weights: ArrayLike<number>, count: number, rng: Rng): number[] {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`drawWeighted: weight ${i} is ${w}`);
    total += w;
    cumulative[i] = total;
  }
  if (!(total > 0)) throw new Error('drawWeighted: the weights sum to 0');
  return Array.from({ length: count }, () => {
    const u = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    // First index whose cumulative weight exceeds u (zero-weight indices are never chosen).
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  });
}

/**
 * Per-example weights `1 / count(class)`, so every class present carries the same total weight.
 * Labels are compared by value (`'3'` and `3` are different classes).
 */
export function inverseClassFrequencyWeights(labels: readonly (string | number)[]): Float64Array {
  const counts = new Map<string | number, number>();
  for (const y of labels) counts.set(y, (counts.get(y) ?? 0) + 1);
  return Float64Array.from(labels, (y) => 1 / (counts.get(y) as number));
}

/**
 * Class-balanced sampling: each epoch draws `dataset.length` examples with replacement, weighted
 * by inverse class frequency, so every class is expected equally often (a minority class's
 * examples repeat, a majority's are subsampled). The labels are read once, through `labelOf`,
 * on the first epoch. Use it instead of shuffling when classes are imbalanced.
 *
 * @example
 * const loader = new DataLoader(train, { batchSize: 32, collate, sampler: classBalancedSampler((e) => e.label) });
 */
export function classBalancedSampler<T>(labelOf: (example: T) => string | number): Sampler<T> {
  const labelsOf = perExampleOnce(
    labelOf,
    (y): y is string | number => typeof y === 'number' || typeof y === 'string',
    'class-balanced sampling: example {i} of {dataset} has no class (labelOf returned {value})',
  );
  return {
    kind: 'class-balanced',
    async epochIndices(dataset, rng) {
      return drawWeighted(inverseClassFrequencyWeights(await labelsOf(dataset)), dataset.length, rng);
    },
  };
}

/**
 * `readValue` of every example of a dataset, read once and cached for that dataset (a sampler's
 * labels or lengths: read on the first epoch, reused by the next). A value `accept` refuses
 * throws `message` with `{i}`, `{dataset}` and `{value}` filled in.
 */
export function perExampleOnce<T, V>(
  readValue: (example: T) => unknown,
  accept: (value: unknown) => value is V,
  message: string,
): (dataset: Dataset<T>) => Promise<V[]> {
  let cached: { dataset: Dataset<T>; values: Promise<V[]> } | undefined;
  const read = async (dataset: Dataset<T>): Promise<V[]> => {
    const values: V[] = [];
    for (let i = 0; i < dataset.length; i++) {
      const v = readValue(await dataset.get(i));
      if (!accept(v)) {
        throw new Error(
          message
            .replace('{i}', String(i))
            .replace('{dataset}', `'${datasetName(dataset)}'`)
            .replace('{value}', String(v)),
        );
      }
      values.push(v);
    }
    return values;
  };
  return (dataset) => {
    if (cached?.dataset !== dataset) cached = { dataset, values: read(dataset) };
    return cached.values;
  };
}

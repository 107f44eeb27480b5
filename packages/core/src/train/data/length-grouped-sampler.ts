import type { Rng } from '../../runtime/random.js';
import { perExampleOnce, type Sampler } from './sampler.js';

export interface LengthGroupedOptions {
  /**
   * Mega-batch size in batches. Default, as Hugging Face's `LengthGroupedSampler`:
   * `min(50, floor(n / (4 * batchSize)))`, at least 1, so a small dataset still has about four
   * mega-batches to shuffle between (one mega-batch would order the whole epoch longest first).
   */
  readonly megaBatchMult?: number;
}

/** The mega-batch size in batches for `n` examples (HF's rule unless given). */
export function megaBatchMultFor(n: number, batchSize: number, given?: number): number {
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 1) {
      throw new Error(`length-grouped sampling: megaBatchMult must be an integer >= 1, got ${given}`);
    }
    return given;
  }
  return Math.max(1, Math.min(50, Math.floor(n / (batchSize * 4))));
}

/**
 * One epoch's order for length grouping (HF `get_length_grouped_indices`): a random permutation
 * cut into mega-batches of `megaBatchMult * batchSize`, each sorted by length descending (ties
 * keep the permutation's order), and the longest example of all swapped to the front so the
 * largest batch comes first and an out-of-memory error shows at step 1, not mid-run. Mega-batch
 * sizes are multiples of `batchSize`, so the loader's batches never straddle two of them.
 */
export function lengthGroupedIndices(
  lengths: ArrayLike<number>,
  batchSize: number,
  megaBatchMult: number,
  rng: Rng,
): number[] {
  const n = lengths.length;
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const size = megaBatchMult * batchSize;
  const megaBatches: number[][] = [];
  for (let start = 0; start < n; start += size) {
    megaBatches.push(order.slice(start, start + size).sort((a, b) => lengths[b]! - lengths[a]!));
  }
  let longest = 0;
  for (let m = 1; m < megaBatches.length; m++) {
    if (lengths[megaBatches[m]![0]!]! > lengths[megaBatches[longest]![0]!]!) longest = m;
  }
  if (longest !== 0) {
    const first = megaBatches[0]!;
    const other = megaBatches[longest]!;
    [first[0], other[0]] = [other[0]!, first[0]!];
  }
  return megaBatches.flat();
}

/**
 * Length-grouped batching (Hugging Face Trainer's `group_by_length`): batches of examples of
 * similar length, so little of each batch is padding, while the epoch stays a seeded random
 * order at the mega-batch level. Every example is visited exactly once per epoch. `lengthOf` is
 * the cost of an example (a token count); lengths are read once, on the first epoch, and cached.
 * `batchSize` must be the loader's, so batches line up with the sorted runs.
 *
 * @example
 * const loader = new DataLoader(train, { batchSize: 16, collate, sampler: lengthGroupedSampler((e) => e.tokens.length, 16) });
 */
export function lengthGroupedSampler<T>(
  lengthOf: (example: T) => number,
  batchSize: number,
  options: LengthGroupedOptions = {},
): Sampler<T> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`length-grouped sampling: batchSize must be an integer >= 1, got ${batchSize}`);
  }
  if (options.megaBatchMult !== undefined) megaBatchMultFor(1, batchSize, options.megaBatchMult);
  const lengthsOf = perExampleOnce(
    lengthOf,
    (n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0,
    'length-grouped sampling: example {i} of {dataset} has no length (lengthOf returned {value})',
  );
  return {
    // An explicit mega-batch size changes the order, so it is part of the trajectory hash.
    kind: options.megaBatchMult === undefined ? 'length-grouped' : `length-grouped:${options.megaBatchMult}`,
    async epochIndices(dataset, rng) {
      const lengths = await lengthsOf(dataset);
      const mult = megaBatchMultFor(lengths.length, batchSize, options.megaBatchMult);
      return lengthGroupedIndices(lengths, batchSize, mult, rng);
    },
  };
}

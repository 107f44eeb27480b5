/**
 * Datasets as the `DataLoader` sees them. Two shapes, after PyTorch: a map-style dataset knows
 * its length and returns example `i` (in memory, or read lazily from disk), and an iterable
 * dataset streams examples (a file too large to index, a generator). Domain readers produce
 * either; examples are whatever the domain's `collate` understands.
 */

/**
 * Random access to `length` examples. `get` may be async (lazy file reads); it must be
 * deterministic and must not draw from the process RNG (random augmentation belongs in
 * `collate`, which receives a per-batch seeded generator).
 *
 * @example
 * const ds: Dataset<{ text: string; label: number }> = arrayDataset(rows, 'imdb-train');
 */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T | Promise<T>;
  /** Used in error messages (default 'dataset'). */
  readonly name?: string;
}

/**
 * A stream of examples. Every `[Symbol.asyncIterator]()` call must start a fresh pass over the
 * data (one per epoch), in the same order each time, so that resume can replay it.
 * `length`, when known, lets the loader report batches per epoch (progress bars, schedules).
 */
export interface IterableDataset<T> extends AsyncIterable<T> {
  readonly length?: number;
  readonly name?: string;
}

/** Either kind of dataset. */
export type AnyDataset<T> = Dataset<T> | IterableDataset<T>;

/** True for map-style datasets (`length` plus `get`). */
export function isMapDataset<T>(dataset: AnyDataset<T>): dataset is Dataset<T> {
  return typeof (dataset as Dataset<T>).get === 'function' && typeof dataset.length === 'number';
}

/** The dataset's name for messages. */
export function datasetName(dataset: AnyDataset<unknown>): string {
  return dataset.name ?? 'dataset';
}

/**
 * A map-style dataset over an array (not copied: do not mutate it while training).
 *
 * @example
 * const train = arrayDataset([{ x: [0, 1], y: 1 }, { x: [1, 0], y: 0 }], 'toy');
 */
export function arrayDataset<T>(items: readonly T[], name = 'dataset'): Dataset<T> {
  return {
    name,
    get length() {
      return items.length;
    },
    get(index: number): T {
      if (!Number.isInteger(index) || index < 0 || index >= items.length) {
        throw new RangeError(`${name}: index ${index} out of range [0, ${items.length})`);
      }
      return items[index] as T;
    },
  };
}

/**
 * An iterable dataset from a factory that starts a new pass each time it is called.
 *
 * @example
 * const stream = iterableDataset(() => readJsonLines('train.jsonl'), { name: 'train.jsonl' });
 */
export function iterableDataset<T>(
  open: () => AsyncIterable<T> | Iterable<T>,
  options: { name?: string; length?: number } = {},
): IterableDataset<T> {
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.length !== undefined ? { length: options.length } : {}),
    async *[Symbol.asyncIterator]() {
      yield* open();
    },
  };
}

/**
 * A view of `dataset` restricted to `indices` (in that order). Used by the split helpers.
 *
 * @example
 * const firstHundred = subsetDataset(ds, [...Array(100).keys()], 'head');
 */
export function subsetDataset<T>(dataset: Dataset<T>, indices: readonly number[], name?: string): Dataset<T> {
  const label = name ?? `${datasetName(dataset)}[subset]`;
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= dataset.length) {
      throw new RangeError(`subsetDataset(${label}): index ${i} out of range [0, ${dataset.length})`);
    }
  }
  const own = [...indices];
  return {
    name: label,
    length: own.length,
    get(index: number) {
      const source = own[index];
      if (source === undefined)
        throw new RangeError(`${label}: index ${index} out of range [0, ${own.length})`);
      return dataset.get(source);
    },
  };
}

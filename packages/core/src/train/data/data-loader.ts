import { getRng, Rng } from '../../runtime/random.js';
import { DataError } from './data-error.js';
import { type AnyDataset, type Dataset, datasetName, type IterableDataset, isMapDataset } from './dataset.js';
import { deriveSeed } from './derive-seed.js';
import { disposeTensorsIn } from './dispose-batch.js';
import { type LoadResult, prefetchBatches } from './prefetch.js';
import type { Sampler } from './sampler.js';

/** What `collate` receives besides the examples. */
export interface CollateContext {
  epoch: number;
  /** Index of the batch within its epoch. */
  batchIndex: number;
  /**
   * A generator seeded from (loader seed, epoch, batch index): use it for random augmentation.
   * Drawing from the process RNG in `collate` would make results depend on prefetch timing.
   */
  rng: Rng;
}

/** Turns examples into one batch (usually tensors); supplied by the domain preprocessor. */
export type Collate<T, B> = (examples: T[], context: CollateContext) => B | Promise<B>;

export interface DataLoaderOptions<T, B> {
  batchSize: number;
  collate: Collate<T, B>;
  /** Reshuffle every epoch (map-style: a full permutation; iterable: `shuffleBufferSize`). */
  shuffle?: boolean;
  /**
   * Chooses each epoch's examples instead of `shuffle` (map-style datasets only), e.g.
   * `classBalancedSampler(labelOf)`; seeded from (loader seed, epoch) like the permutation.
   */
  sampler?: Sampler<T>;
  /** Drop the last batch of an epoch when it is smaller than `batchSize`. */
  dropLast?: boolean;
  /** Loader seed. Default: drawn from the process RNG (`setSeed`) at first use. */
  seed?: number;
  /** Batches loaded ahead while the current one trains (0-4, default 1). */
  prefetch?: number;
  /** Shuffle buffer for iterable datasets with `shuffle` (default 1024 examples). */
  shuffleBufferSize?: number;
  /** Frees a batch the consumer is done with. Default: dispose every tensor found in it. */
  disposeBatch?: (batch: B) => void;
  /** Name in messages (default: the dataset's name). */
  name?: string;
}

/**
 * Where a loader is in its data, as saved in checkpoints. Permutations are not stored: they are a
 * pure function of `seed` and `epoch`.
 */
export interface DataLoaderState {
  seed: number | null;
  /** Epoch the next iteration works on. */
  epoch: number;
  /** Batches of `epoch` already handed out. */
  position: number;
  /** Dataset size when known; checked on restore so a changed dataset is not silently resumed. */
  numExamples: number | null;
}

/** The part of a loader the Trainer relies on (independent of the example type). */
export interface BatchSource<B> extends AsyncIterable<B> {
  readonly name: string;
  readonly batchSize: number;
  /** Batches per epoch, if known. */
  readonly length: number | undefined;
  initSeed(): void;
  /** Back to epoch 0, position 0; a seed that was drawn (not given) is forgotten. */
  reset(): void;
  epochBatches(epoch: number, start?: number): AsyncGenerator<B, void, undefined>;
  getState(): DataLoaderState;
  setState(state: DataLoaderState): void;
  disposeBatch(batch: B): void;
  /** Settings that change the batches (part of a run's config hash). */
  describe(): Record<string, string | number | boolean | null>;
}

const PURPOSE_PERMUTATION = 1;
const PURPOSE_COLLATE = 2;
const PURPOSE_SHUFFLE_BUFFER = 3;
const PURPOSE_SAMPLER = 4;

/**
 * Batches a dataset: seeded per-epoch shuffling, `dropLast`, a caller-supplied `collate`, and
 * async prefetch of the next batch(es) while the current one trains.
 *
 * Iterating the loader (`for await`) runs one epoch, continuing from `getState()`: a loop broken
 * off mid-epoch resumes at the next batch, a completed pass moves to the next epoch. This is what
 * makes `setState` (from a checkpoint) continue with exactly the batches an uninterrupted run
 * would have seen. `epochBatches(epoch, start)` is the stateless form.
 *
 * Every batch is a function of (seed, epoch, batch index) only, so prefetch depth and timing never
 * change order or content. The consumer disposes each batch (`disposeBatch`) after use; batches
 * prefetched but never consumed are disposed by the loader.
 *
 * @example
 * const loader = new DataLoader(arrayDataset(rows), {
 *   batchSize: 16, shuffle: true,
 *   collate: (ex) => ({ x: tf.tensor2d(ex.map((e) => e.x)), y: tf.tensor1d(ex.map((e) => e.y), 'int32') }),
 * });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   for await (const batch of loader) { trainOn(batch); loader.disposeBatch(batch); }
 * }
 */
export class DataLoader<T, B> implements BatchSource<B> {
  readonly name: string;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly sampler: Sampler<T> | undefined;
  private readonly collate: Collate<T, B>;
  private readonly shuffleBufferSize: number;
  private readonly disposer: (batch: B) => void;
  private readonly numExamples: number | undefined;
  private seed: number | undefined;
  private readonly explicitSeed: boolean;
  private epoch = 0;
  private position = 0;
  private iterating = false;

  constructor(
    readonly dataset: AnyDataset<T>,
    options: DataLoaderOptions<T, B>,
  ) {
    this.name = options.name ?? datasetName(dataset);
    const where = `DataLoader(${this.name})`;
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`${where}: batchSize must be an integer >= 1, got ${batchSize}`);
    }
    if (typeof options.collate !== 'function') throw new Error(`${where}: collate must be a function`);
    const prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 0 || prefetch > 4) {
      throw new Error(`${where}: prefetch must be an integer in [0, 4], got ${prefetch}`);
    }
    const bufferSize = options.shuffleBufferSize ?? 1024;
    if (!Number.isInteger(bufferSize) || bufferSize < 1) {
      throw new Error(`${where}: shuffleBufferSize must be an integer >= 1, got ${bufferSize}`);
    }
    if (options.seed !== undefined && !Number.isFinite(options.seed)) {
      throw new Error(`${where}: seed must be a finite number, got ${options.seed}`);
    }
    if (options.sampler && options.shuffle) {
      throw new Error(`${where}: give shuffle or sampler, not both (the sampler decides the order)`);
    }
    if (options.sampler && !isMapDataset(dataset)) {
      throw new Error(
        `${where}: a sampler needs a map-style dataset (length and get); '${datasetName(dataset)}' streams`,
      );
    }
    this.batchSize = batchSize;
    this.collate = options.collate;
    this.shuffle = options.shuffle ?? false;
    this.sampler = options.sampler;
    this.dropLast = options.dropLast ?? false;
    this.prefetch = prefetch;
    this.shuffleBufferSize = bufferSize;
    this.disposer = options.disposeBatch ?? ((b: B) => disposeTensorsIn(b));
    this.seed = options.seed === undefined ? undefined : Math.floor(options.seed) >>> 0;
    this.explicitSeed = options.seed !== undefined;
    this.numExamples = typeof dataset.length === 'number' ? dataset.length : undefined;
    if (this.numExamples !== undefined) {
      if (!Number.isInteger(this.numExamples) || this.numExamples < 0) {
        throw new Error(`${where}: dataset length must be an integer >= 0, got ${this.numExamples}`);
      }
      if (this.numExamples === 0) throw new Error(`${where}: dataset '${datasetName(dataset)}' is empty`);
      if (this.length === 0) {
        throw new Error(
          `${where}: dataset '${datasetName(dataset)}' has ${this.numExamples} example(s), fewer than ` +
            `batchSize ${batchSize}, and dropLast is set: no batches`,
        );
      }
    }
  }

  /** Batches per epoch, or undefined for a stream of unknown length. */
  get length(): number | undefined {
    const n = this.numExamples;
    if (n === undefined) return undefined;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Draws the loader seed from the process RNG if none was given or restored. Idempotent. */
  initSeed(): void {
    if (this.seed === undefined) this.seed = getRng().nextSeed();
  }

  reset(): void {
    if (this.iterating) throw new Error(`DataLoader(${this.name}): cannot reset while being iterated`);
    if (!this.explicitSeed) this.seed = undefined;
    this.epoch = 0;
    this.position = 0;
  }

  getState(): DataLoaderState {
    return {
      seed: this.seed ?? null,
      epoch: this.epoch,
      position: this.position,
      numExamples: this.numExamples ?? null,
    };
  }

  setState(state: DataLoaderState): void {
    const where = `DataLoader(${this.name}).setState`;
    const { seed, epoch, position, numExamples } = state;
    if (seed !== null && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
      throw new Error(`${where}: seed must be an unsigned 32-bit integer or null, got ${seed}`);
    }
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`${where}: bad epoch ${epoch}`);
    const length = this.length;
    if (!Number.isInteger(position) || position < 0 || (length !== undefined && position > length)) {
      throw new Error(`${where}: position ${position} is outside [0, ${length ?? 'inf'}]`);
    }
    if (numExamples !== null && this.numExamples !== undefined && numExamples !== this.numExamples) {
      throw new Error(
        `${where}: the state was saved for ${numExamples} examples but the dataset has ${this.numExamples}; ` +
          'resuming would not replay the same batches',
      );
    }
    this.seed = seed ?? undefined;
    this.epoch = epoch;
    this.position = position;
  }

  describe(): Record<string, string | number | boolean | null> {
    return {
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
      numExamples: this.numExamples ?? null,
      // Only when set, so the trajectory hash of runs without a sampler is unchanged.
      ...(this.sampler ? { sampler: this.sampler.kind } : {}),
    };
  }

  disposeBatch(batch: B): void {
    this.disposer(batch);
  }

  /** One epoch from the saved position; advances the state as batches are handed out. */
  [Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    this.initSeed();
    return this.continueEpoch();
  }

  private async *continueEpoch(): AsyncGenerator<B, void, undefined> {
    if (this.iterating) throw new Error(`DataLoader(${this.name}): already being iterated`);
    this.iterating = true;
    try {
      const epoch = this.epoch;
      for await (const batch of this.epochBatches(epoch, this.position)) {
        this.position += 1;
        yield batch;
      }
      this.epoch = epoch + 1;
      this.position = 0;
    } finally {
      this.iterating = false;
    }
  }

  /**
   * The batches of `epoch` from batch `start` on, without touching the loader's state (the
   * Trainer uses it for evaluation). Deterministic in (seed, epoch).
   */
  epochBatches(epoch: number, start = 0): AsyncGenerator<B, void, undefined> {
    this.initSeed();
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new Error(`DataLoader(${this.name}): bad epoch ${epoch}`);
    const seed = this.seed as number;
    const ds = this.dataset;
    return isMapDataset(ds)
      ? this.mapBatches(ds, seed, epoch, start)
      : this.streamBatches(ds, seed, epoch, start);
  }

  private context(seed: number, epoch: number, batchIndex: number): CollateContext {
    return { epoch, batchIndex, rng: new Rng(deriveSeed(seed, epoch, batchIndex, PURPOSE_COLLATE)) };
  }

  private async collateBatch(examples: T[], seed: number, epoch: number, b: number): Promise<B> {
    try {
      return await this.collate(examples, this.context(seed, epoch, b));
    } catch (err) {
      throw new DataError(
        `DataLoader(${this.name}): collate failed on batch ${b} of epoch ${epoch}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** The example indices of one epoch: the sampler's draw, a seeded permutation, or 0..n-1. */
  private async epochOrder(ds: Dataset<T>, seed: number, epoch: number): Promise<number[]> {
    const n = ds.length;
    if (this.sampler) {
      const order = await this.sampler.epochIndices(ds, new Rng(deriveSeed(seed, epoch, PURPOSE_SAMPLER)));
      const where = `DataLoader(${this.name}): sampler '${this.sampler.kind}' must return ${n} indices in [0, ${n})`;
      if (order.length !== n) throw new Error(`${where}, got ${order.length} indices`);
      const bad = order.findIndex((i) => !Number.isInteger(i) || i < 0 || i >= n);
      if (bad !== -1) throw new Error(`${where}, got ${order[bad]} at position ${bad}`);
      return order;
    }
    const order = Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) new Rng(deriveSeed(seed, epoch, PURPOSE_PERMUTATION)).shuffle(order);
    return order;
  }

  private mapBatches(ds: Dataset<T>, seed: number, epoch: number, start: number) {
    const numBatches = this.length as number;
    if (start > numBatches) {
      throw new Error(`DataLoader(${this.name}): start batch ${start} is past the ${numBatches} batches`);
    }
    return this.orderedBatches(ds, seed, epoch, start, numBatches);
  }

  private async *orderedBatches(
    ds: Dataset<T>,
    seed: number,
    epoch: number,
    start: number,
    numBatches: number,
  ): AsyncGenerator<B, void, undefined> {
    const n = ds.length;
    const order = await this.epochOrder(ds, seed, epoch);
    const load = async (b: number): Promise<LoadResult<B>> => {
      const indices = order.slice(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      const examples = await Promise.all(
        indices.map(async (i) => {
          try {
            return await ds.get(i);
          } catch (err) {
            throw new DataError(
              `DataLoader(${this.name}): reading example ${i} failed: ${(err as Error).message}`,
              {
                cause: err,
              },
            );
          }
        }),
      );
      return { done: false, value: await this.collateBatch(examples, seed, epoch, b) };
    };
    yield* prefetchBatches(start, numBatches, load, this.prefetch, this.disposer);
  }

  private async *streamBatches(
    ds: IterableDataset<T>,
    seed: number,
    epoch: number,
    start: number,
  ): AsyncGenerator<B, void, undefined> {
    const source = ds[Symbol.asyncIterator]();
    const examples = this.shuffle
      ? shuffleBuffer(
          source,
          this.shuffleBufferSize,
          new Rng(deriveSeed(seed, epoch, PURPOSE_SHUFFLE_BUFFER)),
        )
      : source;
    const take = async (): Promise<T[]> => {
      const out: T[] = [];
      while (out.length < this.batchSize) {
        const r = await examples.next();
        if (r.done) break;
        out.push(r.value);
      }
      return out;
    };
    // Loads must run one after another (they share the stream): chain them.
    let chain: Promise<unknown> = (async () => {
      for (let b = 0; b < start; b++) {
        const skipped = await take();
        if (skipped.length === 0)
          throw new Error(`DataLoader(${this.name}): stream ended before batch ${start}`);
      }
    })();
    const load = (b: number): Promise<LoadResult<B>> => {
      const p = chain.then(async (): Promise<LoadResult<B>> => {
        const items = await take();
        if (items.length === 0 || (this.dropLast && items.length < this.batchSize)) return { done: true };
        return { done: false, value: await this.collateBatch(items, seed, epoch, b) };
      });
      chain = p;
      return p;
    };
    let yielded = 0;
    try {
      for await (const batch of prefetchBatches(
        start,
        Number.POSITIVE_INFINITY,
        load,
        this.prefetch,
        this.disposer,
      )) {
        yielded += 1;
        yield batch;
      }
    } finally {
      await examples.return?.();
    }
    if (start === 0 && yielded === 0) {
      throw new Error(
        `DataLoader(${this.name}): dataset '${datasetName(ds)}' yielded no complete batch (empty?)`,
      );
    }
  }
}

/** A seeded shuffle buffer over a stream: fill `size` examples, then emit a random one per input. */
async function* shuffleBuffer<T>(
  source: AsyncIterator<T>,
  size: number,
  rng: Rng,
): AsyncGenerator<T, void, undefined> {
  const buffer: T[] = [];
  try {
    for (;;) {
      const r = await source.next();
      if (r.done) break;
      if (buffer.length < size) {
        buffer.push(r.value);
        continue;
      }
      const j = rng.int(size);
      const out = buffer[j] as T;
      buffer[j] = r.value;
      yield out;
    }
    while (buffer.length > 0) {
      const j = rng.int(buffer.length);
      const out = buffer[j] as T;
      buffer[j] = buffer[buffer.length - 1] as T;
      buffer.pop();
      yield out;
    }
  } finally {
    await source.return?.();
  }
}

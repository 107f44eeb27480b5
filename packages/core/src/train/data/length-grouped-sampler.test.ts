import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.js';
import { DataLoader } from './data-loader.js';
import { arrayDataset } from './dataset.js';
import { lengthGroupedIndices, lengthGroupedSampler, megaBatchMultFor } from './length-grouped-sampler.js';
import { expectMidEpochResumeReplays, takeBatches } from './testing/loader-checks.js';

interface Item {
  id: number;
  length: number;
}

/** 1000 examples with lengths 1..200 in no particular order (ids 0..999). */
const items: Item[] = Array.from({ length: 1000 }, (_, id) => ({ id, length: 1 + ((id * 37) % 200) }));
const lengthOf = (id: number) => (items[id] as Item).length;

const BATCH = 16;
/** HF's default for 1000 examples of batch 16: min(50, floor(1000 / 64)) = 15 batches. */
const MEGA = 15 * BATCH;

const makeLoader = (seed = 7) =>
  new DataLoader<Item, number[]>(arrayDataset(items, 'lengths'), {
    batchSize: BATCH,
    seed,
    sampler: lengthGroupedSampler((e) => e.length, BATCH),
    collate: (ex) => ex.map((e) => e.id),
    disposeBatch: () => {},
  });

const epoch = takeBatches<Item, number[]>;

/** Padded tokens of an epoch: every batch padded to its longest example. */
const paddedTokens = (batches: number[][]) =>
  batches.reduce((sum, b) => sum + b.length * Math.max(...b.map(lengthOf)), 0);

describe('length-grouped sampling', () => {
  it('visits every example exactly once per epoch, in batches sorted within each mega-batch', async () => {
    const loader = makeLoader();
    const epochs = [await epoch(loader), await epoch(loader)];
    for (const batches of epochs) {
      const ids = batches.flat();
      expect(ids).toHaveLength(1000);
      expect(new Set(ids).size).toBe(1000);
      // Within a mega-batch lengths never increase after its first example (the first mega-batch
      // swaps its head with the head of the one holding the epoch's longest example).
      for (let start = 0; start < ids.length; start += MEGA) {
        const lengths = ids.slice(start + 1, start + MEGA).map(lengthOf);
        expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
      }
      expect(lengthOf(ids[0]!)).toBe(200);
    }
    expect(epochs[1]).not.toEqual(epochs[0]);
    // Grouping is the point: far less padding than shuffling (~2x less on uniform lengths).
    const shuffled = new DataLoader<Item, number[]>(arrayDataset(items, 'lengths'), {
      batchSize: BATCH,
      seed: 7,
      shuffle: true,
      collate: (ex) => ex.map((e) => e.id),
      disposeBatch: () => {},
    });
    expect(paddedTokens(epochs[0]!)).toBeLessThan(0.6 * paddedTokens(await epoch(shuffled)));
    expect(loader.describe()).toMatchObject({ shuffle: false, sampler: 'length-grouped' });
  });

  it('is seeded: the same seed gives the same epochs, another seed different ones', async () => {
    const a = await epoch(makeLoader(7));
    expect(await epoch(makeLoader(7))).toEqual(a);
    expect(await epoch(makeLoader(8))).not.toEqual(a);
  });

  it('is a function of (seed, epoch): a loader restored mid-epoch replays the same batches', async () => {
    await expectMidEpochResumeReplays(() => makeLoader(), 5);
  });

  it('reads the lengths once per dataset', async () => {
    let reads = 0;
    const loader = new DataLoader<Item, number[]>(arrayDataset(items, 'counted'), {
      batchSize: BATCH,
      seed: 1,
      sampler: lengthGroupedSampler((e) => {
        reads += 1;
        return e.length;
      }, BATCH),
      collate: (ex) => ex.map((e) => e.id),
      disposeBatch: () => {},
    });
    await epoch(loader);
    await epoch(loader);
    expect(reads).toBe(1000);
  });

  it('follows HF: mega-batch size, the longest batch first, the last mega-batch short', () => {
    expect(megaBatchMultFor(1000, 16)).toBe(15);
    expect(megaBatchMultFor(100_000, 16)).toBe(50);
    expect(megaBatchMultFor(10, 16)).toBe(1);
    expect(megaBatchMultFor(10, 16, 3)).toBe(3);
    expect(() => megaBatchMultFor(10, 16, 0)).toThrow('megaBatchMult must be an integer >= 1, got 0');
    // Mega-batches of 4: [0..3] [4..7] [8, 9]; after sorting each, the 9 (longest) leads.
    const lengths = [5, 1, 3, 2, 8, 6, 7, 4, 0, 9];
    const order = lengthGroupedIndices(lengths, 2, 2, new Rng(3));
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(lengths[order[0]!]).toBe(9);
    for (const start of [0, 4, 8]) {
      // Heads may be swapped (the longest example moves to the front); the rest is descending.
      const rest = order.slice(start + 1, start + 4).map((i) => lengths[i]!);
      expect(rest).toEqual([...rest].sort((a, b) => b - a));
    }
  });

  it('reports misuse clearly', async () => {
    expect(() => lengthGroupedSampler<Item>((e) => e.length, 0)).toThrow(
      'batchSize must be an integer >= 1, got 0',
    );
    expect(() => lengthGroupedSampler<Item>((e) => e.length, 4, { megaBatchMult: 1.5 })).toThrow(
      'megaBatchMult must be an integer >= 1, got 1.5',
    );
    const broken = new DataLoader(arrayDataset(items, 'broken'), {
      batchSize: 4,
      seed: 1,
      collate: (ex: Item[]) => ex.map((e) => e.id),
      sampler: lengthGroupedSampler<Item>((e) => (e.id === 3 ? Number.NaN : e.length), 4),
    });
    await expect(epoch(broken as DataLoader<Item, number[]>)).rejects.toThrow(
      "example 3 of 'broken' has no length (lengthOf returned NaN)",
    );
    expect(lengthGroupedSampler<Item>((e) => e.length, 4, { megaBatchMult: 2 }).kind).toBe(
      'length-grouped:2',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.js';
import { DataLoader } from './data-loader.js';
import { arrayDataset, iterableDataset } from './dataset.js';
import { classBalancedSampler, drawWeighted, inverseClassFrequencyWeights } from './sampler.js';
import { expectMidEpochResumeReplays, takeBatches } from './testing/loader-checks.js';

interface Item {
  id: number;
  label: 'common' | 'rare';
}

/** 900 'common' and 100 'rare' examples (9:1), ids 0..999; the rare ones are ids 900..999. */
const items: Item[] = Array.from({ length: 1000 }, (_, id) => ({ id, label: id < 900 ? 'common' : 'rare' }));

const makeLoader = () =>
  new DataLoader<Item, number[]>(arrayDataset(items, 'imbalanced'), {
    batchSize: 64,
    seed: 7,
    sampler: classBalancedSampler((e) => e.label),
    collate: (ex) => ex.map((e) => e.id),
    disposeBatch: () => {},
  });

async function epoch(loader: DataLoader<Item, number[]>, stopAfter?: number) {
  return (await takeBatches(loader, stopAfter)).flat();
}

describe('weighted sampling', () => {
  it('draws in proportion to the weights and never a zero-weight index', () => {
    const draws = drawWeighted([1, 0, 3], 4000, new Rng(1));
    expect(draws).not.toContain(1);
    const share = draws.filter((i) => i === 2).length / draws.length;
    // Binomial(4000, 0.75): standard deviation 0.0068; 0.04 is ~6 of them.
    expect(Math.abs(share - 0.75)).toBeLessThan(0.04);
    expect(drawWeighted([1, 0, 3], 50, new Rng(1))).toEqual(draws.slice(0, 50));
    expect(() => drawWeighted([0, 0], 1, new Rng(1))).toThrow('sum to 0');
    expect(() => drawWeighted([1, Number.NaN], 1, new Rng(1))).toThrow('weight 1 is NaN');
    expect(Array.from(inverseClassFrequencyWeights(['a', 'a', 'b', 3]))).toEqual([0.5, 0.5, 1, 1]);
  });

  it('class-balanced epochs keep the dataset size and see each class about equally often', async () => {
    const loader = makeLoader();
    expect(loader.length).toBe(Math.ceil(1000 / 64));
    const epochs = [await epoch(loader), await epoch(loader), await epoch(loader)];
    for (const ids of epochs) {
      expect(ids).toHaveLength(1000);
      const rare = ids.filter((id) => id >= 900).length / ids.length;
      // Each draw is rare with probability 1/2: over 1000 draws the standard deviation is 0.016,
      // so 0.08 (5 of them) holds for any seed; shuffling alone would give 0.1.
      expect(Math.abs(rare - 0.5)).toBeLessThan(0.08);
      // With replacement: rare examples repeat (500 draws from 100), common ones are subsampled.
      expect(new Set(ids.filter((id) => id >= 900)).size).toBeLessThanOrEqual(100);
      expect(new Set(ids.filter((id) => id < 900)).size).toBeLessThan(900);
    }
    expect(epochs[1]).not.toEqual(epochs[0]);
    expect(loader.describe()).toMatchObject({ shuffle: false, sampler: 'class-balanced' });
  });

  it('is a function of (seed, epoch): a loader restored mid-epoch replays the same batches', async () => {
    await expectMidEpochResumeReplays(makeLoader, 5);
  });

  it('reports misuse clearly', async () => {
    const collate = (ex: Item[]) => ex.map((e) => e.id);
    const sampler = classBalancedSampler<Item>((e) => e.label);
    expect(
      () => new DataLoader(arrayDataset(items, 'x'), { batchSize: 4, collate, shuffle: true, sampler }),
    ).toThrow('DataLoader(x): give shuffle or sampler, not both');
    expect(
      () =>
        new DataLoader(
          iterableDataset(() => items, { name: 's' }),
          { batchSize: 4, collate, sampler },
        ),
    ).toThrow("a sampler needs a map-style dataset (length and get); 's' streams");
    const unlabelled = new DataLoader(arrayDataset(items, 'y'), {
      batchSize: 4,
      collate,
      seed: 1,
      sampler: classBalancedSampler<Item>(() => undefined as unknown as string),
    });
    await expect(epoch(unlabelled)).rejects.toThrow("example 0 of 'y' has no class");
    const short = new DataLoader(arrayDataset(items, 'z'), {
      batchSize: 4,
      collate,
      seed: 1,
      sampler: { kind: 'broken', epochIndices: () => [0, 1] },
    });
    await expect(epoch(short)).rejects.toThrow(
      "sampler 'broken' must return 1000 indices in [0, 1000), got 2 indices",
    );
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../../runtime/random.js';
import { DataLoader } from './data-loader.js';
import { arrayDataset, type Dataset, iterableDataset } from './dataset.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const ids = (examples: number[]) => examples;

async function collect<B>(it: AsyncIterable<B>): Promise<B[]> {
  const out: B[] = [];
  for await (const b of it) out.push(b);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DataLoader (map-style)', () => {
  it('batches in order, with a short last batch unless dropLast', async () => {
    const ds = arrayDataset(range(10), 'ten');
    const keep = new DataLoader(ds, { batchSize: 4, collate: ids });
    expect(keep.length).toBe(3);
    expect(await collect(keep)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const drop = new DataLoader(ds, { batchSize: 4, dropLast: true, collate: ids });
    expect(drop.length).toBe(2);
    expect(await collect(drop)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('shuffles with a seed: a permutation, new each epoch, reproducible', async () => {
    const ds = arrayDataset(range(20));
    const a = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 7, collate: ids });
    const e0 = (await collect(a)).flat();
    const e1 = (await collect(a)).flat();
    expect([...e0].sort((x, y) => x - y)).toEqual(range(20));
    expect(e0).not.toEqual(range(20));
    expect(e1).not.toEqual(e0);
    const b = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 7, collate: ids });
    expect((await collect(b)).flat()).toEqual(e0);
    expect(a.getState()).toMatchObject({ seed: 7, epoch: 2, position: 0, numExamples: 20 });
  });

  it('draws its seed from the process RNG at first use', async () => {
    const ds = arrayDataset(range(30));
    const order = async (seed: number) => {
      setSeed(seed);
      return (await collect(new DataLoader(ds, { batchSize: 30, shuffle: true, collate: ids }))).flat();
    };
    const first = await order(1);
    expect(await order(1)).toEqual(first);
    expect(await order(2)).not.toEqual(first);
  });

  it('continues mid-epoch from a restored state with the batches an uninterrupted run sees', async () => {
    const ds = arrayDataset(range(23));
    const make = () => new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3, collate: ids });
    const full = make();
    const reference = [...(await collect(full)), ...(await collect(full))];

    const first = make();
    const seen: number[][] = [];
    for await (const b of first) {
      seen.push(b);
      if (seen.length === 4) break;
    }
    const state = JSON.parse(JSON.stringify(first.getState()));
    expect(state).toMatchObject({ epoch: 0, position: 4 });
    const second = make();
    second.setState(state);
    seen.push(...(await collect(second)), ...(await collect(second)));
    expect(seen).toEqual(reference);
  });

  it('gives collate a per-batch generator, so augmentation ignores prefetch depth and timing', async () => {
    const slow: Dataset<number> = {
      name: 'slow',
      length: 12,
      // Random delays reorder when gets complete; batches must not notice.
      get: async (i) => {
        await sleep(Math.random() * 3);
        return i;
      },
    };
    const run = async (prefetch: number) =>
      collect(
        new DataLoader(slow, {
          batchSize: 3,
          shuffle: true,
          seed: 11,
          prefetch,
          collate: (ex, ctx) => ({ ex, noise: ctx.rng.next(), at: [ctx.epoch, ctx.batchIndex] }),
        }),
      );
    const none = await run(0);
    expect(await run(2)).toEqual(none);
    expect(none.map((b) => b.at)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
  });

  it('loads the next batch while the consumer is still busy with the current one', async () => {
    const started: number[] = [];
    const ds: Dataset<number> = {
      length: 8,
      get: async (i) => {
        started.push(i);
        await sleep(1);
        return i;
      },
    };
    const loader = new DataLoader(ds, { batchSize: 2, prefetch: 1, collate: ids });
    const startedWhenConsuming: number[] = [];
    for await (const b of loader) {
      await sleep(5); // "training"
      startedWhenConsuming.push(started.length);
      expect(b.length).toBe(2);
    }
    // While batch 0 trains, batch 1's examples (2 and 3) are already requested.
    expect(startedWhenConsuming[0]).toBeGreaterThanOrEqual(4);
  });

  it('disposes batches that were prefetched but never consumed', async () => {
    const ds = arrayDataset(range(40));
    const loader = new DataLoader(ds, {
      batchSize: 4,
      prefetch: 2,
      collate: (ex) => tf.tensor1d(ex),
    });
    const before = tf.memory().numTensors;
    let n = 0;
    for await (const b of loader) {
      loader.disposeBatch(b);
      if (++n === 3) break;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(loader.getState().position).toBe(3);
  });

  it('names the dataset when it is empty or too small, and rejects a changed dataset on restore', () => {
    expect(() => new DataLoader(arrayDataset([], 'reviews'), { batchSize: 2, collate: ids })).toThrow(
      /dataset 'reviews' is empty/,
    );
    expect(
      () => new DataLoader(arrayDataset([1, 2], 'tiny'), { batchSize: 4, dropLast: true, collate: ids }),
    ).toThrow(/'tiny' has 2 example\(s\), fewer than batchSize 4/);
    const loader = new DataLoader(arrayDataset(range(5)), { batchSize: 2, collate: ids });
    expect(() => loader.setState({ seed: 1, epoch: 0, position: 1, numExamples: 6 })).toThrow(
      /saved for 6 examples but the dataset has 5/,
    );
    expect(() => loader.setState({ seed: 1, epoch: 0, position: 9, numExamples: 5 })).toThrow(/position 9/);
  });

  it('reports which example or batch failed', async () => {
    const ds: Dataset<number> = {
      name: 'broken',
      length: 4,
      get: (i) => {
        if (i === 2) throw new Error('bad file');
        return i;
      },
    };
    await expect(collect(new DataLoader(ds, { batchSize: 2, collate: ids }))).rejects.toThrow(
      /DataLoader\(broken\): reading example 2 failed: bad file/,
    );
    const badCollate = new DataLoader(arrayDataset(range(4)), {
      batchSize: 2,
      collate: () => {
        throw new Error('ragged');
      },
    });
    await expect(collect(badCollate)).rejects.toThrow(/collate failed on batch 0 of epoch 0: ragged/);
  });
});

describe('DataLoader (iterable)', () => {
  const stream = (n: number, name = 'stream') =>
    iterableDataset(
      async function* () {
        for (let i = 0; i < n; i++) yield i;
      },
      { name },
    );

  it('streams batches in order, dropLast applies, length is unknown', async () => {
    const loader = new DataLoader(stream(7), { batchSize: 3, collate: ids });
    expect(loader.length).toBeUndefined();
    expect(await collect(loader)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const drop = new DataLoader(stream(7), { batchSize: 3, dropLast: true, collate: ids });
    expect(await collect(drop)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it('shuffles through a seeded buffer and resumes by replaying the stream', async () => {
    const make = () =>
      new DataLoader(stream(30), {
        batchSize: 4,
        shuffle: true,
        shuffleBufferSize: 8,
        seed: 5,
        collate: ids,
      });
    const full = await collect(make());
    expect(full.flat().sort((a, b) => a - b)).toEqual(range(30));
    expect(full.flat()).not.toEqual(range(30));
    const first = make();
    const seen: number[][] = [];
    for await (const b of first) {
      seen.push(b);
      if (seen.length === 3) break;
    }
    const second = make();
    second.setState(first.getState());
    seen.push(...(await collect(second)));
    expect(seen).toEqual(full);
  });

  it('an empty stream is an error naming it', async () => {
    await expect(
      collect(new DataLoader(stream(0, 'logs.jsonl'), { batchSize: 2, collate: ids })),
    ).rejects.toThrow(/'logs\.jsonl' yielded no complete batch/);
  });
});

import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AUTO_WORKERS_MAX_TRAINABLE, AUTO_WORKERS_MIN_WORK, planWorkers } from './resolve-workers.js';
import { shardSizes } from './shard-batch.js';

describe('planWorkers', () => {
  const big = { parameters: AUTO_WORKERS_MIN_WORK, batchSize: 16 };

  it('splits the threads between ranks and never oversubscribes', () => {
    expect(planWorkers(2, big, { PEFTKIT_THREADS: '4' })).toMatchObject({ ranks: 2, threadsEach: 2 });
    expect(planWorkers(2, big, { PEFTKIT_THREADS: '3' })).toMatchObject({ ranks: 2, threadsEach: 1 });
    expect(planWorkers(1, big, { PEFTKIT_THREADS: '2' })).toMatchObject({ ranks: 1, threadsEach: 2 });
  });

  it('caps the ranks at the batch size', () => {
    const p = planWorkers(4, { parameters: 10, batchSize: 3 }, { PEFTKIT_THREADS: '4' });
    expect(p.ranks).toBe(3);
    expect(p.note).toMatch(/capped at the batch size 3/);
  });

  it('auto: one rank per usable core for a large step, one for a small one', () => {
    const cores = Math.min(availableParallelism(), 2);
    expect(planWorkers('auto', big, { PEFTKIT_THREADS: '2' }).ranks).toBe(cores);
    expect(planWorkers('auto', { parameters: 1000, batchSize: 16 }, { PEFTKIT_THREADS: '2' }).ranks).toBe(1);
    expect(planWorkers('auto', big, { PEFTKIT_THREADS: '1' }).ranks).toBe(1);
  });

  it('auto: not for many trainable parameters (full fine-tuning), whose all-reduce eats the gain', () => {
    const cores = Math.min(availableParallelism(), 2);
    const peft = { ...big, trainableParameters: 100_000 };
    expect(planWorkers('auto', peft, { PEFTKIT_THREADS: '2' }).ranks).toBe(cores);
    const full = planWorkers(
      'auto',
      { ...big, trainableParameters: AUTO_WORKERS_MAX_TRAINABLE + 1 },
      { PEFTKIT_THREADS: '2' },
    );
    expect(full.ranks).toBe(1);
    if (cores > 1) expect(full.note).toMatch(/trainable parameters are above/);
    // An explicit number is taken as given.
    expect(planWorkers(2, { ...big, trainableParameters: 5_000_000 }, { PEFTKIT_THREADS: '2' }).ranks).toBe(
      2,
    );
  });
});

describe('shardSizes', () => {
  it('splits as evenly as possible, earlier ranks first', () => {
    expect(shardSizes(16, 2)).toEqual([8, 8]);
    expect(shardSizes(5, 2)).toEqual([3, 2]);
    expect(shardSizes(1, 2)).toEqual([1, 0]);
    expect(shardSizes(7, 3)).toEqual([3, 2, 2]);
  });
});

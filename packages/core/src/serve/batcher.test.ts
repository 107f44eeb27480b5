import { describe, expect, it } from 'vitest';
import type { Prediction } from '../plugin/head.js';
import { Batcher } from './batcher.js';

/** Echoes each row's adapter and example as a label, recording every pass. */
function recorder(fail?: (examples: readonly unknown[]) => boolean) {
  const passes: { adapters: string[]; examples: unknown[] }[] = [];
  const run = async (adapters: readonly string[], examples: readonly unknown[]): Promise<Prediction[]> => {
    passes.push({ adapters: [...adapters], examples: [...examples] });
    if (fail?.(examples)) throw new Error('bad row');
    return examples.map((e, i) => ({ label: `${adapters[i]}:${String(e)}` }));
  };
  return { passes, run };
}

describe('Batcher', () => {
  it('groups requests of different adapters within the window into one pass, in order', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { windowMs: 20, maxBatch: 32 });
    const out = await Promise.all([b.submit(['a'], [1]), b.submit(['b', 'a'], [2, 3]), b.submit(['c'], [4])]);
    expect(r.passes).toEqual([{ adapters: ['a', 'b', 'a', 'c'], examples: [1, 2, 3, 4] }]);
    expect(out.map((p) => p.map((x) => x.label))).toEqual([['a:1'], ['b:2', 'a:3'], ['c:4']]);
  });

  it('closes a batch at maxBatch rows without splitting a request', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { windowMs: 1000, maxBatch: 3 });
    const started = Date.now();
    await Promise.all([b.submit(['a', 'a'], [1, 2]), b.submit(['b'], [3]), b.submit(['c', 'c'], [4, 5])]);
    // The first pass is full at once; the rest waits for its window.
    expect(r.passes.map((p) => p.examples)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a failing grouped pass is retried per request, so only the bad request fails', async () => {
    const r = recorder((examples) => examples.includes('bad'));
    const b = new Batcher(r.run, { windowMs: 10, maxBatch: 32 });
    const results = await Promise.allSettled([
      b.submit(['a'], [1]),
      b.submit(['b'], ['bad']),
      b.submit(['a'], [2]),
    ]);
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(r.passes.map((p) => p.examples)).toEqual([[1, 'bad', 2], [1], ['bad'], [2]]);
  });

  it('drain runs queued rows at once and waits for them', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { windowMs: 10_000, maxBatch: 32 });
    const pending = b.submit(['a'], [1]);
    const started = Date.now();
    await b.drain();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.passes).toHaveLength(1);
    expect((await pending).map((p) => p.label)).toEqual(['a:1']);
  });
});

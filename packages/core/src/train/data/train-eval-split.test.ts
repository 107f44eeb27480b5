import { describe, expect, it } from 'vitest';
import { arrayDataset, type Dataset } from './dataset.js';
import { trainEvalSplit } from './train-eval-split.js';

async function items<T>(ds: Dataset<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ds.length; i++) out.push(await ds.get(i));
  return out;
}

describe('trainEvalSplit', () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ id: i, label: i < 80 ? 'a' : i < 95 ? 'b' : 'c' }));
  const ds = arrayDataset(rows, 'rows');

  it('splits disjointly and reproducibly by seed', async () => {
    const s1 = await trainEvalSplit(ds, { evalFraction: 0.2, seed: 1 });
    expect(s1.train.length).toBe(80);
    expect(s1.eval.length).toBe(20);
    const tr = (await items(s1.train)).map((r) => r.id);
    const ev = (await items(s1.eval)).map((r) => r.id);
    expect(new Set([...tr, ...ev]).size).toBe(100);
    const again = (await items((await trainEvalSplit(ds, { evalFraction: 0.2, seed: 1 })).eval)).map(
      (r) => r.id,
    );
    expect(again).toEqual(ev);
    const other = (await items((await trainEvalSplit(ds, { evalFraction: 0.2, seed: 2 })).eval)).map(
      (r) => r.id,
    );
    expect(other).not.toEqual(ev);
    expect(s1.eval.name).toBe('rows[eval]');
  });

  it('stratifies: each class keeps its share and appears in both splits', async () => {
    const s = await trainEvalSplit(ds, { evalFraction: 0.1, seed: 3, stratifyBy: (r) => r.label });
    expect(s.classes).toEqual({
      a: { train: 72, eval: 8 },
      b: { train: 13, eval: 2 },
      c: { train: 4, eval: 1 },
    });
    const evLabels = new Set((await items(s.eval)).map((r) => r.label));
    const trLabels = new Set((await items(s.train)).map((r) => r.label));
    expect([...evLabels].sort()).toEqual(['a', 'b', 'c']);
    expect([...trLabels].sort()).toEqual(['a', 'b', 'c']);
  });

  it('keeps singleton classes in train and rejects bad input', async () => {
    const small = arrayDataset([{ y: 0 }, { y: 0 }, { y: 1 }]);
    const s = await trainEvalSplit(small, { evalFraction: 0.5, seed: 0, stratifyBy: (r) => r.y });
    expect(s.classes).toEqual({ '0': { train: 1, eval: 1 }, '1': { train: 1, eval: 0 } });
    await expect(trainEvalSplit(arrayDataset([], 'none'), { evalFraction: 0.2, seed: 0 })).rejects.toThrow(
      /dataset 'none' is empty/,
    );
    await expect(trainEvalSplit(ds, { evalFraction: 1, seed: 0 })).rejects.toThrow(/evalFraction/);
  });

  it('holds out whole groups: no group on both sides, reproducible by seed', async () => {
    const steps = Array.from({ length: 60 }, (_, i) => ({ id: i, episode: Math.floor(i / 6) }));
    const eps = arrayDataset(steps, 'steps');
    const s = await trainEvalSplit(eps, { evalFraction: 0.2, seed: 5, groupBy: (r) => r.episode });
    expect(s.groups).toEqual({ train: 8, eval: 2 });
    const tr = new Set((await items(s.train)).map((r) => r.episode));
    const ev = new Set((await items(s.eval)).map((r) => r.episode));
    expect(ev.size).toBe(2);
    for (const e of ev) expect(tr.has(e)).toBe(false);
    expect(s.train.length + s.eval.length).toBe(60);
    const again = await trainEvalSplit(eps, { evalFraction: 0.2, seed: 5, groupBy: (r) => r.episode });
    expect((await items(again.eval)).map((r) => r.id)).toEqual((await items(s.eval)).map((r) => r.id));
  });

  it('refuses a single group and stratify+group together', async () => {
    const one = arrayDataset([{ g: 1 }, { g: 1 }, { g: 1 }], 'one');
    await expect(trainEvalSplit(one, { evalFraction: 0.5, seed: 0, groupBy: (r) => r.g })).rejects.toThrow(
      /one group/,
    );
    await expect(
      trainEvalSplit(one, { evalFraction: 0.5, seed: 0, groupBy: (r) => r.g, stratifyBy: (r) => r.g }),
    ).rejects.toThrow(/cannot be combined/);
  });
});

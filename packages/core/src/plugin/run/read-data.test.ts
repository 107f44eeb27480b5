import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { arrayDataset, type Dataset } from '../../train/data/dataset.js';
import { DatasetReader, type ReadOptions } from '../dataset-reader.js';
import { definePlugin } from '../domain-plugin.js';
import { createPeftkit } from '../peftkit-host.js';
import { type RunConfig, runConfigSchema } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { readEvalData, readRunData } from './read-data.js';

interface Row {
  readonly split: string;
  readonly index: number;
  readonly label: number;
}

/** `count` rows of one split, labels alternating 0/1. */
const rows = (split: string, count: number): Row[] =>
  Array.from({ length: count }, (_, index) => ({ split, index, label: index % 2 }));

const SIZES: Record<string, number> = { train: 20, val: 6, test: 4 };

/** Every read a reader was asked for, so tests can check what core requested. */
type Call = Pick<ReadOptions, 'split' | 'sourceSplit' | 'labels'>;

/**
 * A multi-split source, like an archive with train/val/test: `archive:full` has all three,
 * `archive:no-val` only train and test (so no eval split).
 */
function archiveReader(calls: Call[]): DatasetReader<Row> {
  const namesOf = (p: string) => (p === 'archive:no-val' ? ['train', 'test'] : ['train', 'val', 'test']);
  return {
    id: 'fake/archive',
    description: 'in-memory multi-split source',
    formats: ['archive'],
    canRead: (p) => p.startsWith('archive:'),
    async splits(p) {
      const names = namesOf(p);
      return { names, eval: names.includes('val') ? 'val' : undefined };
    },
    async read(p, { split, sourceSplit, labels }) {
      calls.push({ split, sourceSplit, labels });
      const name = sourceSplit ?? (split === 'train' ? 'train' : 'val');
      if (!namesOf(p).includes(name)) throw new Error(`${p} has no '${name}'`);
      return {
        dataset: arrayDataset(rows(name, SIZES[name] ?? 0), `${p}:${name}`),
        labels: ['even', 'odd'],
        labelOf: (e) => e.label,
      };
    },
  };
}

/** A single-split source (a CSV file, say). */
function flatReader(calls: Call[]): DatasetReader<Row> {
  return {
    id: 'fake/flat',
    description: 'in-memory single-split source',
    formats: ['flat'],
    canRead: (p) => p.startsWith('flat:'),
    async read(p, { split, sourceSplit, labels }) {
      calls.push({ split, sourceSplit, labels });
      const count = p === 'flat:one' ? 1 : 20;
      const result = {
        dataset: arrayDataset(rows(p, count)),
        labels: ['even', 'odd'],
        labelOf: (e: Row) => e.label,
      };
      // `flat:grouped` rows come in groups of four (think: four steps of one episode).
      return p === 'flat:grouped' ? { ...result, groupOf: (e: Row) => Math.floor(e.index / 4) } : result;
    },
  };
}

async function setup() {
  const calls: Call[] = [];
  const host = await createPeftkit({
    plugins: [
      definePlugin({
        id: 'fake',
        version: '1.0.0',
        domain: 'fake',
        description: 'readers for read-data tests',
        module: new ContainerModule(({ bind }) => {
          bind(DatasetReader).toConstantValue(archiveReader(calls));
          bind(DatasetReader).toConstantValue(flatReader(calls));
        }),
      }),
    ],
  });
  const config = (data: Record<string, unknown>): RunConfig =>
    runConfigSchema.parse({
      domain: 'fake',
      data,
      preprocess: { id: 'fake/p' },
      model: { architecture: 'fake/a' },
      head: { id: 'fake/h' },
      peft: 'full',
      training: { epochs: 1, seed: 3 },
    });
  return { host, calls, config };
}

const splitsOf = async (ds: unknown) => {
  const d = ds as Dataset<Row>;
  const out = new Set<string>();
  for (let i = 0; i < d.length; i++) out.add((await d.get(i)).split);
  return [...out];
};

describe('readRunData', () => {
  it("uses a multi-split source's own eval split when data.eval is unset", async () => {
    const { host, calls, config } = await setup();
    const data = await readRunData(host, config({ train: 'archive:full' }));
    // The whole train split trains (nothing held out); eval is the source's val split.
    expect([data.train.length, data.eval?.length]).toEqual([20, 6]);
    expect([await splitsOf(data.train), await splitsOf(data.eval)]).toEqual([['train'], ['val']]);
    expect(calls).toEqual([
      { split: 'train', sourceSplit: undefined, labels: undefined },
      { split: 'eval', sourceSplit: 'val', labels: ['even', 'odd'] },
    ]);
    expect(data.notes).toEqual([
      "eval data: split 'val' of archive:full (its splits: train, val, test; data.eval unset)",
    ]);
  });

  it('holds out data.evalFraction for sources without splits, or without an eval split', async () => {
    const { host, calls, config } = await setup();
    const flat = await readRunData(host, config({ train: 'flat:rows', evalFraction: 0.2 }));
    expect([flat.train.length, flat.eval?.length]).toEqual([16, 4]);
    expect(flat.notes).toEqual([
      'eval data: 4 examples of flat:rows held out stratified by label (data.evalFraction 0.2)',
    ]);
    const noVal = await readRunData(host, config({ train: 'archive:no-val', evalFraction: 0.2 }));
    expect([noVal.train.length, noVal.eval?.length]).toEqual([16, 4]);
    expect(await splitsOf(noVal.eval)).toEqual(['train']);
    // Only train reads: the hold-out comes from the train split, no eval read was made.
    expect(calls.map((c) => c.split)).toEqual(['train', 'train']);
  });

  it('holds out whole groups when the reader groups its examples', async () => {
    const { host, config } = await setup();
    const data = await readRunData(host, config({ train: 'flat:grouped', evalFraction: 0.2 }));
    expect([data.train.length, data.eval?.length]).toEqual([16, 4]);
    const groupsOf = async (ds: unknown) => {
      const d = ds as Dataset<Row>;
      const out = new Set<number>();
      for (let i = 0; i < d.length; i++) out.add(Math.floor((await d.get(i)).index / 4));
      return out;
    };
    const evalGroups = await groupsOf(data.eval);
    expect(evalGroups.size).toBe(1);
    for (const g of await groupsOf(data.train)) expect(evalGroups.has(g)).toBe(false);
    expect(data.notes).toEqual([
      'eval data: 4 examples of flat:grouped held out as 1 of 5 whole groups (fake/flat groups its examples) (data.evalFraction 0.2)',
    ]);
  });

  it('reports a source too small to hold out eval data as a user error naming it', async () => {
    const { host, config } = await setup();
    const read = readRunData(host, config({ train: 'flat:one' }));
    await expect(read).rejects.toBeInstanceOf(UserError);
    await expect(readRunData(host, config({ train: 'flat:one' }))).rejects.toThrow(
      /^flat:one: cannot hold out eval data \(.*1 example.*\); add examples or pass --eval-data <path>$/,
    );
  });

  it('prefers data.eval over the source splits', async () => {
    const { host, calls, config } = await setup();
    const data = await readRunData(host, config({ train: 'archive:full', eval: 'archive:full' }));
    expect(data.eval?.length).toBe(6);
    expect(calls[1]).toEqual({ split: 'eval', sourceSplit: undefined, labels: ['even', 'odd'] });
    expect(data.notes).toEqual(['eval data: archive:full (data.eval)']);
  });
});

describe('readEvalData', () => {
  it('reads a named split of a multi-split source, else the reader default', async () => {
    const { host, calls } = await setup();
    const reader = host.readers.get('fake/archive');
    const test = await readEvalData(reader, 'archive:full', {}, ['even', 'odd'], 'test');
    expect(await splitsOf(test.dataset)).toEqual(['test']);
    const byDefault = await readEvalData(reader, 'archive:full', {}, ['even', 'odd']);
    expect(await splitsOf(byDefault.dataset)).toEqual(['val']);
    expect(calls.map((c) => c.sourceSplit)).toEqual(['test', undefined]);
  });

  it('names the source splits for an unknown split, and refuses a split for single-split readers', async () => {
    const { host, calls } = await setup();
    const archive = host.readers.get('fake/archive');
    const unknown = readEvalData(archive, 'archive:no-val', {}, undefined, 'val');
    await expect(unknown).rejects.toBeInstanceOf(UserError);
    await expect(readEvalData(archive, 'archive:no-val', {}, undefined, 'val')).rejects.toThrow(
      "archive:no-val has no split 'val'; its splits: train, test",
    );
    await expect(
      readEvalData(host.readers.get('fake/flat'), 'flat:rows', {}, undefined, 'test'),
    ).rejects.toThrow("cannot evaluate split 'test' of flat:rows: fake/flat reads no named splits from it");
    expect(calls).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { arrayDataset } from '../../train/data/dataset.js';
import { resolveSampling } from './resolve-sampling.js';

const rows = (counts: number[]) =>
  arrayDataset(
    counts.flatMap((n, label) => Array.from({ length: n }, () => ({ label }))),
    'rows',
  );
const labelOf = (e: unknown) => (e as { label: number }).label;
const labels = ['neg', 'pos', 'other'];

describe('resolveSampling', () => {
  it('auto balances a classification set whose largest class is more than 3x its smallest, and says why', async () => {
    const r = await resolveSampling({
      sampling: 'auto',
      task: 'classification',
      train: rows([90, 10]),
      labelOf,
      labels,
    });
    expect(r.sampling).toBe('class-balanced');
    expect(r.classCounts).toEqual({ '0': 90, '1': 10 });
    expect(r.note).toMatch(
      /class-balanced sampling, because the largest class neg has 90 .* smallest pos 10 \(9\.0x\), above 3x; set data.sampling: shuffle/,
    );
  });

  it('auto shuffles balanced-enough sets, other tasks, unlabelled readers and single-class sets', async () => {
    const at = await resolveSampling({
      sampling: 'auto',
      task: 'classification',
      train: rows([30, 10, 20]),
      labelOf,
      labels,
    });
    expect(at).toMatchObject({ sampling: 'shuffle', note: undefined });
    const reg = await resolveSampling({
      sampling: 'auto',
      task: 'regression',
      train: rows([90, 10]),
      labelOf,
      labels,
    });
    expect(reg.sampling).toBe('shuffle');
    const noLabels = await resolveSampling({
      sampling: 'auto',
      task: 'classification',
      train: rows([90, 10]),
      labelOf: undefined,
      labels,
    });
    expect(noLabels.sampling).toBe('shuffle');
    const one = await resolveSampling({
      sampling: 'auto',
      task: 'classification',
      train: rows([50]),
      labelOf,
      labels,
    });
    expect(one.sampling).toBe('shuffle');
  });

  it('auto leaves imbalance to a preprocessor that weights the classes itself (no double correction)', async () => {
    const r = await resolveSampling({
      sampling: 'auto',
      task: 'classification',
      train: rows([90, 10]),
      labelOf,
      labels,
      preprocessorBalances: true,
    });
    expect(r.sampling).toBe('shuffle');
    expect(r.note).toMatch(
      /shuffle, although the largest class neg .*preprocessor already weights the classes/,
    );
  });

  it("an explicit choice is the user's: shuffle stays shuffle on imbalanced data", async () => {
    const r = await resolveSampling({
      sampling: 'shuffle',
      task: 'classification',
      train: rows([99, 1]),
      labelOf,
      labels,
    });
    expect(r).toEqual({ sampling: 'shuffle', note: undefined, classCounts: undefined });
  });
});

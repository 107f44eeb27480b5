import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { memorySnapshot } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from './registry.js';
import { runSuite, type SuiteResult } from './suite.js';
import { markdownTable, writeTableBlocks } from './table.js';

/** Quick mode of one dataset per domain, one lora run of two steps: the suite's whole code path. */
const QUICK = { minutes: 5, seeds: [1], methods: ['lora'], maxSteps: 2, quick: true, log: () => {} };

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-quality-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function quickRun(dataset: string): Promise<SuiteResult> {
  return runSuite({ ...QUICK, datasets: [dataset], out: path.join(tmp, dataset) });
}

function expectOneScoredRow(r: SuiteResult, dataset: string, preset: string): void {
  expect(r.runs).toHaveLength(1);
  const run = r.runs[0]!;
  expect(run).toMatchObject({ dataset, preset, method: 'lora', seed: 1, steps: 2 });
  expect(run.macroF1).toBeGreaterThanOrEqual(0);
  expect(run.macroF1).toBeLessThanOrEqual(1);
  expect(run.accuracy).toBeGreaterThanOrEqual(0);
  // LoRA trains a small share of the model, never all of it.
  expect(run.trainablePercent).toBeGreaterThan(0);
  expect(run.trainablePercent).toBeLessThan(50);
  expect(markdownTable(r.rows)).toContain(`| ${dataset} | ${preset} | lora |`);
}

describe('quality suite, quick mode of every domain', () => {
  it('knows text, vision and speech datasets, one preset each at least', () => {
    const presets = new Set(DATASETS.map((d) => d.domain));
    expect([...presets].sort()).toEqual(['nlp', 'speech', 'vision']);
  });

  it('text: review-source on the committed nlp base', async () => {
    const r = await quickRun('review-source');
    expectOneScoredRow(r, 'review-source', 'nlp/topic');
    // Quick mode: 70 sentences per label, split 70/15/15.
    expect(r.datasets[0]!.counts.val).toEqual({ other: 11, yelp: 11 });
  });

  it('vision: ring-finding pretrains a base once, scores the archive test split, records AUROC', async () => {
    const before = memorySnapshot().numTensors;
    const r = await quickRun('ring-finding');
    expectOneScoredRow(r, 'ring-finding', 'vision/medical-imaging');
    const d = r.datasets[0]!;
    // 14 digits per class, 4 train / 2 val / 8 test each: the finding (digit 0) is one digit in ten.
    expect(d.counts).toEqual({
      train: { '0': 36, '1': 4 },
      val: { '0': 18, '1': 2 },
      test: { '0': 72, '1': 8 },
    });
    expect(r.runs[0]!.metrics?.['auroc']).toBeGreaterThanOrEqual(0);
    expect(d.base).toContain(path.join(tmp, 'ring-finding', 'cache'));
    // Runs dispose what they load: nothing survives the suite.
    expect(memorySnapshot().numTensors).toBe(before);
    // The cached base is reused: a second dataset on it does not pretrain again.
    const stat = await fs.stat(path.join(d.base, 'model.safetensors'));
    const again = await runSuite({
      ...QUICK,
      datasets: ['digits-scanner-c'],
      out: path.join(tmp, 'ring-finding'),
    });
    expect((await fs.stat(path.join(d.base, 'model.safetensors'))).mtimeMs).toBe(stat.mtimeMs);
    // runs.json keeps the earlier dataset's run next to the new one.
    expect(again.runs.map((x) => x.dataset)).toEqual(['digits-scanner-c', 'ring-finding']);
    expect(again.rows.map((x) => x.preset)).toEqual(['vision/classification', 'vision/medical-imaging']);
  });

  it('speech: unseen-accents on the committed speech base, scored on every unseen test speaker', async () => {
    const r = await quickRun('unseen-accents');
    expectOneScoredRow(r, 'unseen-accents', 'speech/accent-id');
    const d = r.datasets[0]!;
    // Two accents, two test speakers each (one clip each): the whole test TSV (4 clips), not the
    // speaker split of it the run trained with (which would keep one speaker per accent).
    expect(d.counts.test).toEqual({ 'Received Pronunciation': 2, 'Lancashire English': 2 });
    const correct = r.runs[0]!.accuracy! * 4;
    expect(Math.abs(correct - Math.round(correct))).toBeLessThan(1e-6);
  });

  it('writes domain rows into their own block and leaves the text block alone', async () => {
    const doc = [
      'x',
      '<!-- quality-table:begin -->',
      'text table',
      '<!-- quality-table:end -->',
      '<!-- quality-table-domains:begin -->',
      'old',
      '<!-- quality-table-domains:end -->',
    ].join('\n');
    const rows = [
      {
        dataset: 'v',
        preset: 'vision/classification',
        method: 'lora',
        seeds: 1,
        macroF1: 0.5,
        spread: undefined,
        ratioToFull: undefined,
        trainablePercent: 2,
        majorityBaseline: false,
      },
    ];
    const out = writeTableBlocks(doc, rows, 'stamp');
    expect(out).toContain('<!-- quality-table:begin -->\ntext table\n<!-- quality-table:end -->');
    expect(out).toContain('<!-- quality-table-domains:begin -->\nstamp\n\n| dataset | preset |');
    expect(out).toContain('| v | vision/classification | lora | 0.500 |');
    expect(out).not.toContain('old');
  });
});

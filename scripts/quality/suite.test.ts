import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, datasetSpec } from './registry.js';
import { runOne } from './run-one.js';
import { mergeRuns, runSuite } from './suite.js';
import { type SuiteRow, type SuiteRun, writeTableBlocks } from './table.js';
import { expectOneScoredRow, QUICK, quickSuite } from './testing/quick-suite.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-quality-text-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const row = (dataset: string, preset: string | undefined): SuiteRow => ({
  dataset,
  preset,
  method: 'lora',
  seeds: 1,
  macroF1: 0.5,
  spread: undefined,
  ratioToFull: undefined,
  trainablePercent: 2,
  majorityBaseline: false,
});

describe('quality suite', () => {
  it('has datasets of every domain and lists them for an unknown id', () => {
    expect([...new Set(DATASETS.map((d) => d.domain))].sort()).toEqual(['nlp', 'speech', 'vision']);
    expect(() => datasetSpec('nope')).toThrow(
      'unknown dataset nope (known: review-source, review-domain, digits-scanner-c, ring-finding, unseen-accents, unseen-keywords)',
    );
  });

  it('text quick mode: review-source on the committed nlp base', async () => {
    const r = await quickSuite(tmp, 'text', ['review-source']);
    expectOneScoredRow(r, 'review-source', 'nlp/topic');
    // 70 sentences per label, split 70/15/15 per label.
    expect(r.datasets[0]!.counts).toEqual({
      train: { other: 49, yelp: 49 },
      val: { other: 11, yelp: 11 },
      test: { other: 10, yelp: 10 },
    });
    const saved = JSON.parse(await fs.readFile(path.join(tmp, 'text', 'runs.json'), 'utf8'));
    expect(saved.runs).toHaveLength(1);
    expect(saved.baselines['review-source']).toBeCloseTo(1 / 3, 12);
  });

  it('a run that throws is recorded as failed and the others still run and are saved', async () => {
    const r = await runSuite({
      ...QUICK,
      methods: ['ia3', 'lora'],
      datasets: ['review-source'],
      out: path.join(tmp, 'failing'),
      runOne: (host, d, m, seed, b) => {
        if (m.id === 'ia3') throw new Error('ia3 exploded\nsecond line');
        return runOne(host, d, m, seed, b);
      },
    });
    expectOneScoredRow(r, 'review-source', 'nlp/topic');
    const saved = JSON.parse(await fs.readFile(path.join(tmp, 'failing', 'runs.json'), 'utf8'));
    expect(saved.runs.map((x: SuiteRun) => [x.method, x.skipped])).toEqual([
      ['lora', undefined],
      ['ia3', 'failed: ia3 exploded'],
    ]);
    // No temporary file is left next to runs.json.
    expect((await fs.readdir(path.join(tmp, 'failing'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps earlier finished runs; a fresh run replaces one, a skipped one never does', () => {
    const done = { dataset: 'd', method: 'lora', seed: 1, macroF1: 0.4 };
    const merged = mergeRuns(
      [done, { dataset: 'd', method: 'full', seed: 1, macroF1: 0.9 }],
      [
        { dataset: 'd', method: 'full', seed: 1, macroF1: 0.8 },
        { dataset: 'd', method: 'lora', seed: 1, skipped: 'time budget' },
        { dataset: 'c', method: 'ia3', seed: 2, skipped: 'time budget' },
      ],
    );
    expect(merged).toEqual([
      { dataset: 'c', method: 'ia3', seed: 2, skipped: 'time budget' },
      done,
      { dataset: 'd', method: 'full', seed: 1, macroF1: 0.8 },
    ]);
  });

  it('writes vision/speech rows into their own block and leaves the text block alone', () => {
    const doc = [
      'x',
      '<!-- quality-table:begin -->',
      'text table',
      '<!-- quality-table:end -->',
      '<!-- quality-table-domains:begin -->',
      'old',
      '<!-- quality-table-domains:end -->',
    ].join('\n');
    const out = writeTableBlocks(
      doc,
      [row('v', 'vision/classification'), row('s', 'speech/accent-id')],
      'stamp',
    );
    expect(out).toContain('<!-- quality-table:begin -->\ntext table\n<!-- quality-table:end -->');
    expect(out).toMatch(/<!-- quality-table-domains:begin -->\nstamp\n\n\| dataset +\| preset +\|/);
    expect(out).toMatch(/^\| v +\| vision\/classification \| lora +\| 0\.500 /m);
    expect(out).toMatch(/^\| s +\| speech\/accent-id +\| lora +\| 0\.500 /m);
    expect(out).not.toContain('old');
    // Text rows (and rows recorded before presets were) go to the text block only.
    const text = writeTableBlocks(doc, [row('t', 'nlp/topic'), row('u', undefined)], 'new');
    expect(text).toContain('<!-- quality-table:begin -->\nnew\n\n');
    expect(text).toMatch(/^\| u +\| - +\| lora +\|/m);
    expect(text).toContain('<!-- quality-table-domains:begin -->\nold\n');
  });
});

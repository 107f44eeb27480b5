import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { memorySnapshot } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneScoredRow, quickSuite } from './testing/quick-suite.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-quality-vision-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('quality suite, vision quick mode', () => {
  it('ring-finding pretrains a base once, scores the archive test split, records AUROC', async () => {
    const r = await quickSuite(tmp, 'vision', ['ring-finding']);
    const before = memorySnapshot().numTensors;
    expectOneScoredRow(r, 'ring-finding', 'vision/medical-imaging');
    const d = r.datasets[0]!;
    // 14 digits per class, 4 train / 2 val / 8 test each: the finding (digit 0) is one digit in ten.
    expect(d.counts).toEqual({
      train: { '0': 36, '1': 4 },
      val: { '0': 18, '1': 2 },
      test: { '0': 72, '1': 8 },
    });
    const auroc = r.runs[0]!.metrics?.['auroc'];
    expect(auroc).toBeGreaterThanOrEqual(0);
    expect(auroc).toBeLessThanOrEqual(1);
    expect(d.base).toBe(path.join(tmp, 'vision', 'cache', 'vision-base-4-quick'));
    // The cached base is reused: a second dataset on it does not pretrain again.
    const stat = await fs.stat(path.join(d.base, 'model.safetensors'));
    const again = await quickSuite(tmp, 'vision', ['digits-scanner-c']);
    expect((await fs.stat(path.join(d.base, 'model.safetensors'))).mtimeMs).toBe(stat.mtimeMs);
    expectOneScoredRow(again, 'digits-scanner-c', 'vision/classification');
    // runs.json keeps the earlier dataset's run next to the new one.
    expect(again.rows.map((x) => x.preset)).toEqual(['vision/classification', 'vision/medical-imaging']);
    // A whole suite invocation (data, training, evaluation) leaves no tensor behind.
    expect(memorySnapshot().numTensors).toBe(before);
  });
});

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMITTED_BASE } from '../demos/speech/base-checkpoint.js';
import { expectOneScoredRow, quickSuite } from './testing/quick-suite.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-quality-speech-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('quality suite, speech quick mode', () => {
  it('unseen-accents on the committed speech base, scored on every unseen test speaker', async () => {
    const r = await quickSuite(tmp, 'speech', ['unseen-accents']);
    expectOneScoredRow(r, 'unseen-accents', 'speech/accent-id');
    const d = r.datasets[0]!;
    expect(d.base).toBe(COMMITTED_BASE);
    // Two accents, two test speakers of one clip each: the whole test TSV (4 clips), not the
    // speaker split of it the run trained with (which would keep one speaker per accent).
    expect(d.counts.test).toEqual({ 'Received Pronunciation': 2, 'Lancashire English': 2 });
    const correct = r.runs[0]!.accuracy! * 4;
    expect(Math.abs(correct - Math.round(correct))).toBeLessThan(1e-6);
    // The test TSV's speakers are in no training row.
    const speakers = async (split: string) =>
      new Set(
        (await fs.readFile(d[split === 'train' ? 'train' : 'test'], 'utf8'))
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split('\t')[0]),
      );
    const train = await speakers('train');
    for (const s of await speakers('test')) expect(train.has(s)).toBe(false);
  });
});

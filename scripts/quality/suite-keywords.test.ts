import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneScoredRow, quickSuite } from './testing/quick-suite.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-quality-keywords-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('quality suite, keyword-spotting quick mode', () => {
  it('unseen-keywords: a Speech Commands folder, scored on its test list only', async () => {
    const r = await quickSuite(tmp, 'keywords', ['unseen-keywords']);
    expectOneScoredRow(r, 'unseen-keywords', 'speech/keyword-spotting');
    const d = r.datasets[0]!;
    // Three keywords, one speaker per split saying each once.
    const one = { yes: 1, no: 1, up: 1 };
    expect(d.counts).toEqual({ train: one, val: one, test: one });
    const lists = await Promise.all(
      ['validation_list.txt', 'testing_list.txt'].map((f) => fs.readFile(path.join(d.train, f), 'utf8')),
    );
    // Speech Commands names: the speaker hash leads, and no speaker is in two splits.
    const speakers = lists.map(
      (t) =>
        new Set(
          t
            .trim()
            .split('\n')
            .map((l) => l.split('/')[1]!.split('_')[0]),
        ),
    );
    expect(speakers.map((s) => s.size)).toEqual([1, 1]);
    expect([...speakers[0]!][0]).not.toBe([...speakers[1]!][0]);
    // Scored on the 3 test clips: accuracy is a multiple of 1/3.
    const correct = r.runs[0]!.accuracy! * 3;
    expect(Math.abs(correct - Math.round(correct))).toBeLessThan(1e-6);
  });
});

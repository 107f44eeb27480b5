import { describe, expect, it } from 'vitest';
import { biomeFormatted } from '../demos/testing/helpers.js';
import { majorityMacroF1, markdownTable, summarise } from './table.js';

/** The table's rows as trimmed cells. */
const cells = (md: string) =>
  md.split('\n').map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );

describe('quality suite table', () => {
  it('averages seeds, divides by full fine-tuning, flags the majority baseline and skipped runs', () => {
    const rows = summarise(
      [
        { dataset: 'd', preset: 'nlp/topic', method: 'full', seed: 1, macroF1: 0.8, trainablePercent: 100 },
        { dataset: 'd', method: 'full', seed: 2, macroF1: 0.9, trainablePercent: 100 },
        { dataset: 'd', method: 'lora', seed: 1, macroF1: 0.425, trainablePercent: 1.5 },
        { dataset: 'd', method: 'lora', seed: 2, macroF1: 0.425, trainablePercent: 1.5 },
        { dataset: 'd', method: 'ia3', seed: 1, skipped: 'budget' },
      ],
      { d: 0.45 },
    );
    expect(rows.map((r) => r.method)).toEqual(['full', 'lora', 'ia3']);
    expect(rows[0]!.macroF1).toBeCloseTo(0.85, 12);
    expect(rows[0]!.spread).toBeCloseTo(0.1, 12);
    expect(rows[0]!.ratioToFull).toBeCloseTo(1, 12);
    expect(rows[1]!.ratioToFull).toBeCloseTo(0.5, 12);
    expect(rows[1]!.majorityBaseline).toBe(true);
    expect(rows[2]).toMatchObject({ seeds: 0, macroF1: undefined, ratioToFull: undefined });
    const md = markdownTable(rows);
    // The preset of a group is any of its runs' (runs.json files from before it was recorded lack it).
    expect(rows.map((r) => r.preset)).toEqual(['nlp/topic', undefined, undefined]);
    expect(cells(md)).toContainEqual([
      'd',
      '-',
      'lora',
      '0.425 (majority baseline)',
      '0.000',
      '0.50x',
      '1.50',
      '2',
    ]);
    expect(cells(md)).toContainEqual(['d', '-', 'ia3', '-', '-', '-', '-', '0']);
    // Written into docs/quality.md as is, the table must already be formatted for `pnpm lint`.
    const doc = `# Quality\n\n${md}\n`;
    expect(biomeFormatted(doc)).toBe(doc);
  });

  it('majority macro F1 is what a constant prediction scores', () => {
    // 90/10: F1(majority) = 2*90/(90+100) = 0.947, minority 0 -> 0.474 (the 0.475).
    expect(majorityMacroF1({ a: 90, b: 10 })).toBeCloseTo(0.4737, 4);
    expect(majorityMacroF1({ a: 1, b: 1, c: 1 })).toBeCloseTo(1 / 6, 12);
  });
});

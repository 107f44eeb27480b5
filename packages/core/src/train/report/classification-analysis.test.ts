import { describe, expect, it } from 'vitest';
import { ClassificationCollector } from './classification-analysis.js';
import { classificationSection } from './classification-section.js';

describe('ClassificationCollector', () => {
  it('multi-class score rows: confusion matrix, per-class scores and one-vs-rest curves', () => {
    const c = new ClassificationCollector();
    // Two batches; argmax predictions are 0, 1, 2, 0, 2 for true classes 0, 1, 1, 2, 2.
    c.update(
      [
        [0.7, 0.2, 0.1],
        [0.1, 0.8, 0.1],
      ],
      [0, 1],
    );
    c.update(
      [
        [0.2, 0.3, 0.5],
        [0.6, 0.3, 0.1],
        [0.1, 0.2, 0.7],
      ],
      [[1], [2], [2]],
    );
    const a = c.analysis(['a', 'b', 'c'])!;
    expect(a.examples).toBe(5);
    expect(a.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [1, 0, 1],
    ]);
    const round = (v: number) => Number(v.toFixed(6));
    expect(
      a.perClass.map((p) => [p.label, round(p.precision), round(p.recall), round(p.f1), p.support]),
    ).toEqual([
      ['a', 0.5, 1, round(2 / 3), 1],
      ['b', 1, 0.5, round(2 / 3), 2],
      ['c', 0.5, 0.5, 0.5, 2],
    ]);
    expect(a.curves.map((k) => k.label)).toEqual(['a', 'b', 'c']);
    // Class a: its only example has the highest a-score, so it is ranked perfectly.
    expect(a.curves[0]!.auc).toBe(1);
    expect(a.curves[0]!.averagePrecision).toBe(1);
    // Class c: negatives score 0.1 0.1 0.5, positives 0.1 0.7: pairs won 3 + 2 ties x 0.5 = 4 of 6.
    expect(a.curves[2]!.auc).toBeCloseTo(4 / 6, 12);
  });

  it('binary scores use the head threshold and give one curve, for the positive class', () => {
    const c = new ClassificationCollector();
    c.update([0.9, 0.2, 0.6], [1, 0, 0], { thresholds: 0.7 });
    const a = c.analysis(['neg', 'pos'])!;
    expect(a.confusion).toEqual([
      [2, 0],
      [0, 1],
    ]);
    expect(a.curves.map((k) => [k.label, k.auc])).toEqual([['pos', 1]]);
  });

  it('class ids give counts without curves; regression values and empty input give nothing', () => {
    const ids = new ClassificationCollector();
    ids.update([0, 1, 1], [0, 1, 0]);
    const a = ids.analysis(['x', 'y'])!;
    expect(a.confusion).toEqual([
      [1, 1],
      [0, 1],
    ]);
    expect(a.curves).toEqual([]);
    const reg = new ClassificationCollector();
    reg.update([0.3, 1.7], [0.25, 2.5]);
    expect(reg.analysis(null)).toBeNull();
    expect(new ClassificationCollector().analysis(['a'])).toBeNull();
  });

  it('renders a section with both tables, macro averages and ROC/PR figures', () => {
    const c = new ClassificationCollector();
    c.update([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1]);
    const s = classificationSection(c.analysis(['neg', 'pos'])!, 'Eval');
    expect(s.rows).toContainEqual(['labels', 'neg, pos (2)']);
    expect(s.tables?.[0]?.rows).toEqual([
      ['neg', '1', '1'],
      ['pos', '1', '1'],
    ]);
    expect(s.tables?.[1]?.rows.at(-1)).toEqual(['macro average', '0.500', '0.500', '0.500', '4']);
    expect(s.figures.map((f) => f.caption)).toEqual([
      'ROC curve of class pos; AUC: pos 0.75',
      'Precision-recall curve of class pos; average precision: pos 0.8333',
    ]);
    expect(s.figures.every((f) => f.svg.startsWith('<svg'))).toBe(true);
  });
});

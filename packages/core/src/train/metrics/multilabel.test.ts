import { describe, expect, it } from 'vitest';
import { hammingLoss, multilabelAuroc, multilabelF1, subsetAccuracy } from './multilabel.js';
import { createMetric } from './registry.js';

// Five examples, three labels. Label 2 is never present (one value only); ties: label 0 has a
// positive and a negative at 0.4, label 1 a positive and a negative at 0.5.
const scores = [
  [0.9, 0.5, 0.2],
  [0.4, 0.5, 0.7],
  [0.6, 0.3, 0.1],
  [0.2, 0.8, 0.4],
  [0.4, 0.1, 0.9],
];
const targets = [
  [1, 1, 0],
  [0, 0, 0],
  [1, 0, 0],
  [0, 1, 0],
  [1, 0, 0],
];

describe('multi-label metrics (hand-computed)', () => {
  it('AUROC per label with ties, macro over labels with both values, pooled micro', () => {
    const r = multilabelAuroc(scores, targets);
    // Label 0: positives 0.9, 0.6, 0.4 vs negatives 0.4, 0.2: 5 of 6 pairs ordered, 1 tie -> 5.5/6.
    // Label 1: positives 0.5, 0.8 vs negatives 0.5, 0.3, 0.1: 5 ordered, 1 tie -> 5.5/6.
    expect(r.perClass[0]).toBeCloseTo(11 / 12, 12);
    expect(r.perClass[1]).toBeCloseTo(11 / 12, 12);
    expect(r.perClass[2]).toBeNaN();
    expect(r.skipped).toEqual([2]);
    expect(r.macro).toBeCloseTo(11 / 12, 12);
    // Pooled: 5 positives x 10 negatives; positives beat 9.5, 9, 8, 7.5 and 6 negatives -> 40/50.
    expect(r.micro).toBeCloseTo(0.8, 12);
  });

  it('F1, hamming loss and subset accuracy at one shared threshold', () => {
    // Decisions at 0.5: label 0 TP 2 FP 0 FN 1 (F1 4/5); label 1 TP 2 FP 1 (4/5); label 2 FP 2 (0).
    expect(multilabelF1(scores, targets, 0.5).perClass).toEqual([0.8, 0.8, 0]);
    expect(multilabelF1(scores, targets).macro).toBeCloseTo(1.6 / 3, 12);
    // Wrong decisions: row 1 labels 1 and 2, row 4 labels 0 and 2.
    expect(hammingLoss(scores, targets)).toBeCloseTo(4 / 15, 12);
    // Rows 0, 2 and 3 are exactly right.
    expect(subsetAccuracy(scores, targets)).toBeCloseTo(3 / 5, 12);
  });

  it('per-label thresholds; a label never present and never predicted scores F1 0', () => {
    const th = [0.4, 0.6, 0.95];
    // Label 0 (>= 0.4): TP 3 FP 1 -> 6/7; label 1 (>= 0.6): TP 1 FN 1 -> 2/3; label 2: nothing -> 0.
    const f1 = multilabelF1(scores, targets, th);
    expect(f1.perClass[0]).toBeCloseTo(6 / 7, 12);
    expect(f1.perClass[1]).toBeCloseTo(2 / 3, 12);
    expect(f1.perClass[2]).toBe(0);
    expect(f1.macro).toBeCloseTo(32 / 63, 12);
    expect(hammingLoss(scores, targets, th)).toBeCloseTo(2 / 15, 12);
    expect(subsetAccuracy(scores, targets, th)).toBeCloseTo(3 / 5, 12);
    // A score equal to its threshold counts as positive.
    expect(subsetAccuracy([[0.4]], [[1]], 0.4)).toBe(1);
  });
});

describe('multi-label streaming metrics', () => {
  it('buffer batches and compute on the whole set, with thresholds from the update context', () => {
    const auroc = createMetric('multilabel_auroc');
    const f1 = createMetric('multilabel_f1');
    const hamming = createMetric('hamming_loss');
    const exact = createMetric('subset_accuracy');
    const context = { thresholds: [0.4, 0.6, 0.95] };
    for (const m of [auroc, f1, hamming, exact]) {
      m.update(scores.slice(0, 2), targets.slice(0, 2), context);
      m.update(scores.slice(2), targets.slice(2), context);
    }
    expect(auroc.compute()).toEqual({ macro: 11 / 12, micro: 0.8, evaluated: 2, skipped: 1 });
    expect(f1.compute()).toBeCloseTo(32 / 63, 12);
    expect(hamming.compute()).toBeCloseTo(2 / 15, 12);
    expect(exact.compute()).toBeCloseTo(3 / 5, 12);
    // Without a context: the `threshold` option, else 0.5.
    const plain = createMetric('multilabel_f1');
    plain.update(scores, targets);
    expect(plain.compute()).toBeCloseTo(1.6 / 3, 12);
    const optioned = createMetric('hamming_loss', { threshold: 0.95 });
    optioned.update(scores, targets);
    expect(optioned.compute()).toBeCloseTo(5 / 15, 12); // every positive missed
    f1.reset();
    expect(() => f1.compute()).toThrow(/no data/);
  });

  it('name the metric and the expected shape when given the wrong one', () => {
    expect(() => createMetric('multilabel_f1').update([[0.2, 0.8]], [1])).toThrow(
      'multilabel_f1: targets must be [N][K] 0/1 rows (one row of labels per example), got one number per example',
    );
    expect(() => createMetric('subset_accuracy').update([0.2], [[1, 0]])).toThrow(
      'subset_accuracy: predictions must be [N][K] scores (one row per example), got one number per example',
    );
    const wide = createMetric('hamming_loss');
    wide.update([[0.2, 0.8, 0.1]], [[1, 0]]);
    expect(() => wide.compute()).toThrow('hammingLoss: score row 0 has 3 columns for 2 labels');
    const counts = createMetric('multilabel_f1');
    counts.update([[0.2, 0.8]], [[1, 0]], { thresholds: [0.5] });
    expect(() => counts.compute()).toThrow('multilabelF1: 1 thresholds for 2 labels');
    const soft = createMetric('multilabel_auroc');
    soft.update([[0.2, 0.8]], [[0.5, 1]]);
    expect(() => soft.compute()).toThrow('targets must be 0 or 1, got 0.5 at [0][0]');
    const moving = createMetric('subset_accuracy');
    moving.update([[0.2]], [[1]], { thresholds: 0.5 });
    expect(() => moving.update([[0.2]], [[1]], { thresholds: 0.3 })).toThrow(/thresholds changed/);
    // Single-label metrics refuse multi-label rows, pointing at the multi-label ones...
    expect(() => createMetric('accuracy').update([[0.2, 0.8]], [[1, 0]])).toThrow(
      /accuracy: targets must be one number per example .* got \[N\]\[2\] rows; for multi-label targets use multilabel_auroc/,
    );
    // ...but read [N][1] rows (an [N, 1] target tensor) as one target per example, as before.
    const acc = createMetric('accuracy');
    acc.update([[0.2, 0.8]], [[1]]);
    expect(acc.compute()).toBe(1);
  });
});

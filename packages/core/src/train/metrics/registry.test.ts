import { describe, expect, it } from 'vitest';
import { BUILTIN_METRIC_NAMES, createMetric } from './registry.js';

describe('streaming metrics', () => {
  it('accuracy over batches of score rows equals accuracy over the whole set', () => {
    const m = createMetric('accuracy');
    m.update(
      [
        [0.9, 0.1],
        [0.2, 0.8],
      ],
      [0, 0],
    );
    m.update([[0.3, 0.7]], [1]);
    expect(m.compute()).toBeCloseTo(2 / 3, 12); // argmax [0, 1, 1] vs [0, 0, 1]
    m.reset();
    m.update([1, 1], [1, 1]);
    expect(m.compute()).toBe(1);
  });

  it('macro_f1 with a class never predicted is finite; precision_recall_f1 returns all three', () => {
    const f1 = createMetric('macro_f1');
    f1.update([0, 0, 1, 1], [0, 2, 1, 1]);
    expect(f1.compute()).toBeCloseTo(5 / 9, 12); // (2/3 + 1 + 0) / 3, see classification.test.ts
    const prf = createMetric('precision_recall_f1');
    prf.update([0, 0, 1, 1], [0, 2, 1, 1]);
    expect(prf.compute()).toMatchObject({ precision: 0.5 });
    const bin = createMetric('binary_f1', { positiveLabel: 0 });
    bin.update([1, 0, 1, 1], [1, 0, 0, 1]);
    expect(bin.compute()).toBeCloseTo(2 / 3, 12);
  });

  it('auroc takes numbers or [N][2] rows; auroc_ovr reports skipped classes', () => {
    const a = createMetric('auroc');
    a.update([0.1, 0.4], [0, 0]);
    a.update([0.35, 0.8], [1, 1]);
    expect(a.compute()).toBe(0.75); // computed on the whole set, not averaged per batch
    const a2 = createMetric('auroc');
    a2.update(
      [
        [0.9, 0.1],
        [0.6, 0.4],
        [0.65, 0.35],
        [0.2, 0.8],
      ],
      [0, 0, 1, 1],
    );
    expect(a2.compute()).toBe(0.75);
    const ovr = createMetric('auroc_ovr');
    ovr.update(
      [
        [0.7, 0.2, 0.1],
        [0.3, 0.6, 0.1],
      ],
      [0, 1],
    );
    expect(ovr.compute()).toEqual({ macro: 1, evaluated: 2, skipped: 1 });
  });

  it('threshold and regression metrics', () => {
    const s = createMetric('sensitivity_specificity', { threshold: 0.6 });
    s.update([0.2, 0.6, 0.7, 0.9], [0, 0, 1, 1]);
    expect(s.compute()).toEqual({ sensitivity: 1, specificity: 0.5 });
    const b = createMetric('best_threshold');
    b.update([0.1, 0.3, 0.6, 0.8, 0.4], [0, 0, 1, 1, 0]);
    expect(b.compute()).toMatchObject({ threshold: 0.6, j: 1 });
    const m = createMetric('mse');
    m.update([[1], [2]], [1, 4]);
    expect(m.compute()).toBe(2);
  });

  it('reports misuse clearly', () => {
    expect(() => createMetric('f2')).toThrow(
      `unknown metric 'f2' (valid: ${BUILTIN_METRIC_NAMES.join(', ')})`,
    );
    expect(() => createMetric('accuracy').compute()).toThrow(/no data/);
    const acc = createMetric('accuracy');
    acc.update([0.4, 0.6], [0, 1]);
    expect(() => acc.compute()).toThrow(/class ids or \[N\]\[C\] scores, got 0.4/);
    const one = createMetric('accuracy');
    one.update([[0.4]], [0]);
    expect(() => one.compute()).toThrow(/ambiguous/);
    expect(() => createMetric('mae').update([1], [1, 2])).toThrow(/1 predictions for 2 targets/);
    const mixed = createMetric('accuracy');
    mixed.update([1], [1]);
    expect(() => mixed.update([[0.1, 0.9]], [1])).toThrow(/mixing/);
  });
});

import { describe, expect, it } from 'vitest';
import { configDiff, configHash } from './config-hash.js';
import { MetricMonitor } from './metric-monitor.js';

describe('MetricMonitor', () => {
  it('tracks the best value strictly and counts stalls against minDelta (HF semantics)', () => {
    const m = new MetricMonitor('loss', 'min', { patience: 2, minDelta: 0.1 });
    expect(m.observe({ loss: 1 }, 10)).toEqual({ improved: true, shouldStop: false });
    // Better, but by less than minDelta: best moves, the stall counter does not reset.
    expect(m.observe({ loss: 0.95 }, 20)).toEqual({ improved: true, shouldStop: false });
    expect(m.best).toBe(0.95);
    expect(m.bestStep).toBe(20);
    expect(m.observe({ loss: Number.NaN }, 30)).toEqual({ improved: false, shouldStop: true });
    expect(m.getState()).toMatchObject({ best: 0.95, bestStep: 20, badEvals: 2 });
  });

  it('maximises, and an end-of-run evaluation does not count for patience', () => {
    const m = new MetricMonitor('accuracy', 'max', { patience: 1, minDelta: 0 });
    m.observe({ accuracy: 0.5 }, 1);
    expect(m.observe({ accuracy: 0.4 }, 2, { countForEarlyStopping: false })).toEqual({
      improved: false,
      shouldStop: false,
    });
    expect(m.observe({ accuracy: 0.7 }, 3, { countForEarlyStopping: false }).improved).toBe(true);
    expect(m.getState().badEvals).toBe(0);
  });

  it('does not stop before earlyStopping.minSteps however many evaluations stalled', () => {
    const m = new MetricMonitor('accuracy', 'max', { patience: 1, minDelta: 0, minSteps: 30 });
    m.observe({ accuracy: 0.5 }, 5);
    expect(m.observe({ accuracy: 0.5 }, 10).shouldStop).toBe(false);
    expect(m.observe({ accuracy: 0.4 }, 20).shouldStop).toBe(false);
    expect(m.getState().badEvals).toBe(2);
    expect(m.observe({ accuracy: 0.4 }, 30).shouldStop).toBe(true);
  });

  it('names the available metrics when the monitored one is missing, and restores state', () => {
    const m = new MetricMonitor('f1', 'max');
    expect(() => m.observe({ loss: 1, accuracy: 0.5 }, 1)).toThrow(
      /'f1' is not among the evaluation results \(loss, accuracy\)/,
    );
    const other = new MetricMonitor('loss', 'min');
    expect(() => other.setState({ metric: 'f1', mode: 'max', best: 1, bestStep: 1, badEvals: 0 })).toThrow(
      /checkpoint monitors 'f1'/,
    );
  });
});

describe('config hash', () => {
  it('ignores key order and names the differing keys', () => {
    expect(configHash({ a: 1, b: { c: 2, d: 3 } })).toBe(configHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
    expect(configDiff({ a: 1, b: [1, 2], c: 3 }, { a: 1, b: [2, 1], d: 4 })).toEqual(['b', 'c', 'd']);
  });
});

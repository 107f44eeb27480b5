import { describe, expect, it } from 'vitest';
import { GradientExchange } from './gradient-exchange.js';

describe('GradientExchange', () => {
  const layout = { names: ['a', 'b'], sizes: [3, 2], ranks: 3 };

  it('reduces shard-weighted gradients to the global-batch mean, skipping absent ones', () => {
    const x = GradientExchange.create(layout);
    // Rank 0: 2 examples, rank 1: 1 example, rank 2: 1 example without a gradient for 'b'.
    x.writeGradients(
      0,
      new Map([
        ['a', [1, 2, 3]],
        ['b', [4, 4]],
      ]),
      2,
      0.5,
    );
    x.writeGradients(
      1,
      new Map([
        ['a', [4, 5, 6]],
        ['b', [1, 1]],
      ]),
      1,
      2,
    );
    x.writeGradients(2, new Map([['a', [0, 0, 3]]]), 1, 1);
    const r = x.reduce([0, 1, 2], 4);
    expect([...(r.grads[0] as Float32Array)]).toEqual([(2 + 4 + 0) / 4, (4 + 5 + 0) / 4, (6 + 6 + 3) / 4]);
    expect([...(r.grads[1] as Float32Array)]).toEqual([(8 + 1) / 4, (8 + 1) / 4]);
    expect(r.loss).toBeCloseTo((1 + 2 + 1) / 4, 12);
    // Only the ranks named take part.
    expect([...(x.reduce([1], 1).grads[0] as Float32Array)]).toEqual([4, 5, 6]);
    expect(x.reduce([2], 1).grads[1]).toBeNull();
  });

  it('rejects gradients that do not fit the layout', () => {
    const x = GradientExchange.create(layout);
    expect(() => x.writeGradients(0, new Map([['c', [1]]]), 1, 0)).toThrow(/'c' is not a trainable/);
    expect(() => x.writeGradients(0, new Map([['a', [1]]]), 1, 0)).toThrow(/'a' has 1 values, expected 3/);
  });

  it('publishes weights under increasing versions to an attached copy', () => {
    const x = GradientExchange.create(layout);
    const y = GradientExchange.attach(layout, x.buffers);
    expect(y.weightsVersion()).toBe(0);
    expect(
      x.publishWeights([
        [1, 2, 3],
        [4, 5],
      ]),
    ).toBe(1);
    expect(y.weightsVersion()).toBe(1);
    expect([...y.weightsOf(1)]).toEqual([4, 5]);
  });

  it('waits for a step flag, times out, and stops waiting when cancelled', async () => {
    const x = GradientExchange.create(layout);
    const y = GradientExchange.attach(layout, x.buffers);
    setTimeout(() => y.signalDone(1, 7), 10);
    expect(await x.waitDone(1, 7, 5_000)).toBe(true);
    expect(await x.waitDone(2, 1, 20)).toBe(false);
    let cancel = false;
    const waiting = x.waitDone(2, 1, 60_000, () => cancel);
    cancel = true;
    x.wakeAll();
    expect(await waiting).toBe(false);
  });
});

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Parameter } from '../nn/parameter.js';
import { applySchedule, createSchedule } from './lr-schedule.js';
import { SGD } from './optim/sgd.js';

describe('createSchedule (HF transformers semantics)', () => {
  it('linear: warmup from 0, then linear decay to 0 at totalSteps', () => {
    const s = createSchedule({ kind: 'linear', warmupSteps: 4, totalSteps: 12 });
    expect(s(0)).toBe(0); // first optimizer step of a warmup runs at lr 0, as HF's LambdaLR
    expect(s(2)).toBe(0.5); // 2 / 4
    expect(s(4)).toBe(1); // (12 - 4) / (12 - 4)
    expect(s(8)).toBe(0.5); // (12 - 8) / 8
    expect(s(12)).toBe(0);
    expect(s(20)).toBe(0); // clamped at 0
  });

  it('cosine: warmup, half cosine down to minLrRatio, flat after totalSteps', () => {
    const s = createSchedule({ kind: 'cosine', warmupSteps: 2, totalSteps: 10 });
    expect(s(1)).toBe(0.5);
    expect(s(2)).toBe(1);
    expect(s(6)).toBeCloseTo(0.5, 12); // progress 4/8: 0.5 * (1 + cos(pi/2))
    expect(s(4)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), 12); // progress 2/8
    expect(s(10)).toBeCloseTo(0, 12);
    expect(s(14)).toBeCloseTo(0, 12);
    const m = createSchedule({ kind: 'cosine', warmupSteps: 0, totalSteps: 10, minLrRatio: 0.1 });
    expect(m(0)).toBe(1);
    expect(m(5)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // min + (1 - min) * 0.5 * (1 + cos(pi/2))
    expect(m(10)).toBeCloseTo(0.1, 12);
  });

  it('constant and constantWithWarmup', () => {
    expect(createSchedule({ kind: 'constant' })(123)).toBe(1);
    const w = createSchedule({ kind: 'constantWithWarmup', warmupSteps: 10 });
    expect([w(0), w(5), w(10), w(1000)]).toEqual([0, 0.5, 1, 1]);
  });

  it('validates its options', () => {
    expect(() => createSchedule({ kind: 'linear', warmupSteps: 1 })).toThrow(/needs totalSteps/);
    expect(() => createSchedule({ kind: 'constant', warmupSteps: 3 })).toThrow(/constantWithWarmup/);
    expect(() => createSchedule({ kind: 'cosine', totalSteps: 5, minLrRatio: 2 })).toThrow(/minLrRatio/);
    expect(() => createSchedule({ kind: 'linear', totalSteps: 5, minLrRatio: 0.1 })).toThrow(/only applies/);
    // @ts-expect-error: unknown kind is a runtime error listing the valid ones
    expect(() => createSchedule({ kind: 'poly' })).toThrow(
      /valid: constant, constantWithWarmup, linear, cosine/,
    );
  });
});

describe('applySchedule', () => {
  it('scales each group from its base lr', async () => {
    await tf.setBackend('cpu');
    const a = new Parameter(tf.zeros([2]));
    const b = new Parameter(tf.zeros([2]));
    const opt = new SGD([
      { params: [['a', a]], lr: 0.1 },
      { params: [['b', b]], lr: 1.6 },
    ]);
    const base = opt.groups.map((g) => g.lr);
    applySchedule(opt, base, 0.25);
    expect(opt.groups.map((g) => g.lr)).toEqual([0.025, 0.4]);
    expect(() => applySchedule(opt, [0.1], 1)).toThrow(/1 base learning rate\(s\) for 2 group\(s\)/);
    opt.dispose();
    a.dispose();
    b.dispose();
  });
});

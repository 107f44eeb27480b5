import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../runtime/random.js';
import { Conv2d } from './conv2d.js';
import { Embedding } from './embedding.js';
import { computeFans, kaimingUniform, xavierUniform } from './init.js';
import { Linear } from './linear.js';
import { useCpu } from './testing/references.js';

beforeAll(useCpu);

function stats(t: tf.Tensor): { min: number; max: number; mean: number; std: number } {
  const d = t.dataSync();
  let s = 0;
  let s2 = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of d) {
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  return { min, max, mean, std: Math.sqrt(s2 / d.length - mean * mean) };
}

describe('init', () => {
  it('Linear weight and bias are U(±1/sqrt(fanIn)) like PyTorch', () => {
    const lin = new Linear(64, 128);
    const bound = 1 / 8;
    const w = stats(lin.weight.value);
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(w.max).toBeLessThanOrEqual(bound);
    // 8192 draws: std of U(-b, b) is b / sqrt(3).
    expect(Math.abs(w.std - bound / Math.sqrt(3)) / (bound / Math.sqrt(3))).toBeLessThan(0.05);
    expect(Math.abs(w.mean)).toBeLessThan(0.01);
    const b = stats(lin.bias?.value as tf.Tensor);
    expect(b.min).toBeGreaterThanOrEqual(-bound);
    expect(b.max).toBeLessThanOrEqual(bound);
    expect(b.max - b.min).toBeGreaterThan(bound); // not constant
    lin.dispose();
  });

  it('Conv2d fanIn is in/groups * kh * kw', () => {
    const conv = new Conv2d(4, 8, [3, 2], { groups: 2 });
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    const w = stats(conv.weight.value);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.max).toBeGreaterThan(bound * 0.8);
    conv.dispose();
  });

  it('setSeed makes construction reproducible; different seeds differ', () => {
    setSeed(1);
    const a = new Linear(8, 8);
    setSeed(1);
    const b = new Linear(8, 8);
    setSeed(2);
    const c = new Linear(8, 8);
    expect(Array.from(a.weight.value.dataSync())).toEqual(Array.from(b.weight.value.dataSync()));
    expect(Array.from(a.bias?.value.dataSync() ?? [])).toEqual(Array.from(b.bias?.value.dataSync() ?? []));
    expect(Array.from(a.weight.value.dataSync())).not.toEqual(Array.from(c.weight.value.dataSync()));
    // Consecutive layers after one seed differ from each other.
    setSeed(1);
    const d = new Linear(8, 8);
    const e = new Linear(8, 8);
    expect(Array.from(d.weight.value.dataSync())).not.toEqual(Array.from(e.weight.value.dataSync()));
    for (const m of [a, b, c, d, e]) m.dispose();
  });

  it('Embedding is N(0, 1) with the padding row zeroed', () => {
    const emb = new Embedding(200, 50, { paddingIdx: 3 });
    const all = stats(emb.weight.value);
    expect(Math.abs(all.std - 1)).toBeLessThan(0.05);
    expect(Math.abs(all.mean)).toBeLessThan(0.05);
    const row = tf.slice(emb.weight.value, [3, 0], [1, 50]);
    expect(Array.from(row.dataSync()).every((v) => v === 0)).toBe(true);
    row.dispose();
    emb.dispose();
  });

  it('computeFans follows PyTorch for each layout', () => {
    expect(computeFans([64, 32], 'linear')).toEqual({ fanIn: 64, fanOut: 32 });
    expect(computeFans([3, 3, 4, 16], 'conv2d')).toEqual({ fanIn: 36, fanOut: 144 });
    expect(computeFans([3, 3, 4, 2], 'depthwise2d')).toEqual({ fanIn: 9, fanOut: 72 });
    expect(computeFans([5, 2, 6], 'conv1d')).toEqual({ fanIn: 10, fanOut: 30 });
    expect(() => computeFans([4])).toThrow(/at least 2 dimensions/);
  });

  it('kaimingUniform(a) and xavierUniform use the PyTorch bounds', () => {
    const k = kaimingUniform([4000], 6, 0); // gain sqrt(2): bound sqrt(6 / 6) = 1
    const ks = stats(k);
    expect(ks.max).toBeLessThanOrEqual(1);
    expect(ks.max).toBeGreaterThan(0.99);
    const x = xavierUniform([4000], 10, 14); // sqrt(6 / 24) = 0.5
    const xs = stats(x);
    expect(xs.max).toBeLessThanOrEqual(0.5);
    expect(xs.max).toBeGreaterThan(0.49);
    tf.dispose([k, x]);
  });
});

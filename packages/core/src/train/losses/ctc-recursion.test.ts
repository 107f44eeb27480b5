import { describe, expect, it } from 'vitest';
import {
  addCtcGradient,
  type CtcExample,
  ctcForward,
  extendedLabels,
  logSoftmaxRows,
  skipFlags,
} from './ctc-recursion.js';
import { addScaledGradient, scaledForward } from './ctc-scaled-recursion.js';

/** A seeded example with random logits of the given scale. */
function example(seed: number, T: number, C: number, labels: number[], scale = 3): CtcExample {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const logits = Array.from({ length: T * C }, () => (rand() * 2 - 1) * scale);
  return { logProbs: logSoftmaxRows(logits, 0, T, C), classes: C, frames: T, labels, blank: 0 };
}

function scaledOf(e: CtcExample) {
  const extended = extendedLabels(e.labels, e.blank);
  return {
    probs: e.logProbs.map(Math.exp),
    classes: e.classes,
    frames: e.frames,
    extended,
    skip: skipFlags(extended, e.blank),
  };
}

describe('the scaled and the log-space CTC recursions', () => {
  const cases: [string, number, number, number[], number][] = [
    ['repeats', 20, 5, [1, 1, 2, 2, 3], 3],
    ['longest target', 6, 7, [1, 2, 3, 4, 5, 6], 3],
    ['empty target', 5, 3, [], 3],
    ['one frame', 1, 3, [2], 3],
    ['large logits', 30, 6, [5, 4, 5, 1, 1], 40],
  ];
  it.each(cases)('agree on %s (likelihood and gradient)', (_, T, C, labels, scale) => {
    const e = example(T * 31 + C, T, C, labels, scale);
    const log = ctcForward(e);
    const s = scaledOf(e);
    const fwd = scaledForward(s);
    expect(fwd).toBeDefined();
    expect(fwd!.logLikelihood).toBeCloseTo(log.logLikelihood, 9);
    const g1 = new Float32Array(T * C);
    const g2 = new Float32Array(T * C);
    addCtcGradient(e, log, g1, 1);
    expect(addScaledGradient(s, fwd!, g2, 1)).toBe(true);
    for (let i = 0; i < g1.length; i++) expect(g2[i]).toBeCloseTo(g1[i]!, 6);
  });

  it('leave impossible alignments and float64 underflow to the log-space recursion', () => {
    // Three repeats need five frames.
    const impossible = example(1, 4, 3, [1, 1, 1]);
    expect(scaledForward(scaledOf(impossible))).toBeUndefined();
    expect(ctcForward(impossible).logLikelihood).toBe(Number.NEGATIVE_INFINITY);
    // One frame whose only alignment has probability e^-1000: 0 in float64, finite in log space.
    const gap = {
      logProbs: logSoftmaxRows([1000, 0], 0, 1, 2),
      classes: 2,
      frames: 1,
      labels: [1],
      blank: 0,
    };
    expect(scaledForward(scaledOf(gap))).toBeUndefined();
    const log = ctcForward(gap);
    expect(log.logLikelihood).toBeCloseTo(-1000, 9);
    const g = new Float32Array(2);
    addCtcGradient(gap, log, g, 1);
    expect(Array.from(g)).toEqual([1, -1]);
  });
});

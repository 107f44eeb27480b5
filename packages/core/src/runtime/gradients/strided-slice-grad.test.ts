import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { maxRelError, randomArray, valuesOn, weightedSum } from '../testing/cross-backend.js';

interface Case {
  name: string;
  shape: number[];
  begin: number[];
  end: number[];
  strides: number[];
  masks?: [number, number, number, number, number];
}

const CASES: Case[] = [
  { name: 'every other row, every third column', shape: [5, 7], begin: [1, 0], end: [5, 7], strides: [2, 3] },
  { name: 'negative stride (reversal)', shape: [5, 7], begin: [0, 6], end: [5, -8], strides: [1, -2] },
  {
    name: 'begin/end masks',
    shape: [4, 6],
    begin: [2, 4],
    end: [0, 0],
    strides: [1, 1],
    masks: [1, 3, 0, 0, 0],
  },
  // Shrink with unit strides only: tfjs' own forward breaks on shrink + stride 2 (cpu throws, wasm
  // returns garbage), so there is nothing to differentiate there.
  {
    name: 'shrink axis',
    shape: [4, 6, 3],
    begin: [2, 1, 1],
    end: [3, 5, 3],
    strides: [1, 1, 1],
    masks: [0, 0, 0, 0, 1],
  },
  {
    name: 'new axis and ellipsis',
    shape: [3, 4, 5],
    begin: [0, 0, 1],
    end: [0, 0, 5],
    strides: [1, 1, 2],
    masks: [0, 0, 1, 2, 0],
  },
];

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe.each(['cpu', 'wasm'])('StridedSlice gradient on %s', (backend) => {
  for (const c of CASES) {
    it(`matches exact finite differences: ${c.name}`, async () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const xv = randomArray(n, 1);
      const slice = (x: tf.Tensor) =>
        tf.stridedSlice(x, c.begin, c.end, c.strides, ...(c.masks ?? [0, 0, 0, 0, 0]));
      const loss = (x: tf.Tensor) => weightedSum(slice(x), 2);
      const [g] = await valuesOn(backend, () => [tf.grad(loss)(tf.tensor(xv, c.shape))]);
      // The loss is linear in x, so a unit step gives the derivative exactly.
      const base = tf.tidy(() => loss(tf.tensor(xv, c.shape)).dataSync()[0] as number);
      const expected = Array.from(xv, (_, i) =>
        tf.tidy(() => {
          const bumped = Float32Array.from(xv);
          bumped[i] = (bumped[i] as number) + 1;
          return (loss(tf.tensor(bumped, c.shape)).dataSync()[0] as number) - base;
        }),
      );
      expect(expected.some((v) => Math.abs(v) > 1e-3)).toBe(true);
      expect(maxRelError(g!, expected)).toBeLessThanOrEqual(1e-4);
    });
  }
});

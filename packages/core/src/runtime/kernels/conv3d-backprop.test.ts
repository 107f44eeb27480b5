import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { maxRelError, randomArray, valuesOn, weightedSum } from '../test-support.js';

type Shape5 = [number, number, number, number, number];

interface Case {
  name: string;
  x: Shape5;
  f: Shape5;
  strides: number | [number, number, number];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { name: 'k3 stride 1 same', x: [2, 5, 7, 6, 3], f: [3, 3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: 'k3 stride 2 valid', x: [1, 7, 6, 5, 2], f: [3, 3, 3, 2, 3], strides: 2, pad: 'valid' },
  {
    name: 'k [2,3,1] stride [1,2,1] same',
    x: [2, 4, 7, 5, 3],
    f: [2, 3, 1, 3, 2],
    strides: [1, 2, 1],
    pad: 'same',
  },
];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('Conv3D gradients on wasm (Conv3DBackpropInputV2 and Conv3DBackpropFilterV2 fixes)', () => {
  for (const c of CASES) {
    it(`match cpu: ${c.name}`, async () => {
      const xv = randomArray(size(c.x), 1);
      const fv = randomArray(size(c.f), 2, 0.5);
      const run = () =>
        tf.grads((x: tf.Tensor, f: tf.Tensor) =>
          weightedSum(tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, c.strides, c.pad), 3),
        )([tf.tensor5d(xv, c.x), tf.tensor5d(fv, c.f)]);
      const [refDx, refDf] = await valuesOn('cpu', run);
      const [dx, df] = await valuesOn('wasm', run);
      expect(maxRelError(dx!, refDx!)).toBeLessThanOrEqual(1e-4);
      expect(maxRelError(df!, refDf!)).toBeLessThanOrEqual(1e-4);
    });
  }
});

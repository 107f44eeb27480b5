import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { convGrads, expectMatchesStockCpu, useWasmBackend } from './testing/kernel-kit.js';

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

useWasmBackend();

describe('Conv3D gradients on wasm (Conv3DBackpropInputV2 and Conv3DBackpropFilterV2 fixes)', () => {
  for (const c of CASES) {
    it(`match cpu: ${c.name}`, async () => {
      const run = convGrads(
        (x, f) => tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, c.strides, c.pad),
        c.x,
        c.f,
        [1, 2, 3],
      );
      // The cpu kernels are stock tfjs here: the fixes are wasm-only.
      await expectMatchesStockCpu('wasm', run, []);
    });
  }
});

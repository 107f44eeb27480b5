import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  captureKernels,
  maxRelError,
  randomArray,
  valuesOn,
  valuesWithKernels,
  weightedSum,
} from '../testing/cross-backend.js';
import { sizeOf as size } from './kernel-io.js';
import {
  convGrads,
  dilatedFilter,
  expectMatchesStockCpu,
  filterTaps,
  kernelCall,
  type Shape4,
  useWasmBackend,
} from './testing/kernel-kit.js';

// Captured before the fixes replace some of them: the reference is always stock tfjs on cpu.
const stockCpu = captureKernels(
  ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
  'cpu',
);

interface Case {
  name: string;
  x: Shape4;
  f: Shape4;
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
}

const CASES: Case[] = [
  {
    name: '7x13x3, k3, multiplier 2, stride 2, same',
    x: [2, 7, 13, 3],
    f: [3, 3, 3, 2],
    strides: 2,
    pad: 'same',
  },
  {
    name: '7x13x3, k3, multiplier 2, stride 2, valid',
    x: [2, 7, 13, 3],
    f: [3, 3, 3, 2],
    strides: 2,
    pad: 'valid',
  },
  { name: 'multiplier 1, stride 1, pad 1', x: [1, 6, 5, 4], f: [3, 3, 4, 1], strides: 1, pad: 1 },
  {
    name: 'even 2x4 kernel, stride [1,2], same',
    x: [3, 8, 9, 2],
    f: [2, 4, 2, 3],
    strides: [1, 2],
    pad: 'same',
  },
];

useWasmBackend();

describe('depthwise conv gradients (wasm kernels; cpu filter kernel)', () => {
  for (const c of CASES) {
    for (const backend of ['wasm', 'cpu']) {
      it(`match stock cpu on ${backend}: ${c.name}`, async () => {
        const run = convGrads(
          (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad),
          c.x,
          c.f,
          [1, 2, 3],
        );
        await expectMatchesStockCpu(backend, run, stockCpu);
      });
    }
  }

  it('trains through separableConv2d', async () => {
    const xv = randomArray(2 * 7 * 13 * 3, 4);
    const dv = randomArray(3 * 3 * 3 * 2, 5);
    const pv = randomArray(6 * 4, 6);
    const run = () =>
      tf.grads((x: tf.Tensor, d: tf.Tensor, p: tf.Tensor) =>
        weightedSum(tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 2, 'same'), 7),
      )([tf.tensor4d(xv, [2, 7, 13, 3]), tf.tensor4d(dv, [3, 3, 3, 2]), tf.tensor4d(pv, [1, 1, 6, 4])]);
    await expectMatchesStockCpu('wasm', run, stockCpu);
  });

  // tfjs' depthwise gradient refuses dilation > 1, so the kernels are called directly. Reference: a
  // dilated filter equals a plain one with zeros between taps, which the stock cpu kernels handle.
  for (const pad of ['same', 'valid'] as const) {
    it(`honour dilation 2 (${pad}) in both kernels on wasm, and in the filter kernel on cpu`, async () => {
      const xShape: Shape4 = [2, 9, 11, 3];
      const fShape: Shape4 = [3, 2, 3, 2];
      const dil = 2;
      const xv = randomArray(size(xShape), 8);
      const fv = randomArray(size(fShape), 9);
      const dyShape = tf.backend_util.computeConv2DInfo(
        xShape,
        fShape,
        1,
        dil,
        pad,
        undefined,
        true,
      ).outShape;
      const dyv = randomArray(size(dyShape), 10);
      const fEff = dilatedFilter(fv, fShape, dil);
      const inputGrad = (filter: Float32Array, shape: Shape4, dilations: number) =>
        kernelCall(
          'DepthwiseConv2dNativeBackpropInput',
          { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(filter, shape) },
          { strides: 1, dilations, pad, inputShape: xShape },
        );
      const filterGrad = (shape: Shape4, dilations: number) =>
        kernelCall(
          'DepthwiseConv2dNativeBackpropFilter',
          { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
          { strides: 1, dilations, pad, filterShape: shape },
        );

      const [refDx, refDfFull] = await valuesWithKernels('cpu', stockCpu, () => [
        inputGrad(fEff.values, fEff.shape, 1),
        filterGrad(fEff.shape, 1),
      ]);
      const refDf = filterTaps(refDfFull!, fShape, dil);

      const [dx, df] = await valuesOn('wasm', () => [inputGrad(fv, fShape, dil), filterGrad(fShape, dil)]);
      expect(maxRelError(dx!, refDx!)).toBeLessThanOrEqual(1e-4);
      expect(maxRelError(df!, refDf)).toBeLessThanOrEqual(1e-4);
      const [cpuDf] = await valuesOn('cpu', () => [filterGrad(fShape, dil)]);
      expect(maxRelError(cpuDf!, refDf)).toBeLessThanOrEqual(1e-4);
    });
  }
});

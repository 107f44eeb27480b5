import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import {
  captureKernels,
  maxRelError,
  randomArray,
  valuesOn,
  valuesWithKernels,
  weightedSum,
} from '../test-support.js';

// Captured before the fixes replace some of them: the reference is always stock tfjs on cpu.
const stockCpu = captureKernels(
  ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
  'cpu',
);

type Shape4 = [number, number, number, number];

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

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('depthwise conv gradients (wasm kernels; cpu filter kernel)', () => {
  for (const c of CASES) {
    for (const backend of ['wasm', 'cpu']) {
      it(`match stock cpu on ${backend}: ${c.name}`, async () => {
        const xv = randomArray(size(c.x), 1);
        const fv = randomArray(size(c.f), 2, 0.5);
        const run = () =>
          tf.grads((x: tf.Tensor, f: tf.Tensor) =>
            weightedSum(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad), 3),
          )([tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f)]);
        const [refDx, refDf] = await valuesWithKernels('cpu', stockCpu, run);
        const [dx, df] = await valuesOn(backend, run);
        expect(maxRelError(dx!, refDx!)).toBeLessThanOrEqual(1e-4);
        expect(maxRelError(df!, refDf!)).toBeLessThanOrEqual(1e-4);
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
    const ref = await valuesWithKernels('cpu', stockCpu, run);
    const got = await valuesOn('wasm', run);
    for (const [i, r] of ref.entries()) expect(maxRelError(got[i]!, r)).toBeLessThanOrEqual(1e-4);
  });

  // tfjs' depthwise gradient refuses dilation > 1, so the kernels are called directly. Reference: a
  // dilated filter equals a plain one with zeros between taps, which the stock cpu kernels handle.
  for (const pad of ['same', 'valid'] as const) {
    it(`honour dilation 2 (${pad}) in both kernels on wasm, and in the filter kernel on cpu`, async () => {
      const xShape: Shape4 = [2, 9, 11, 3];
      const fShape: Shape4 = [3, 2, 3, 2];
      const dil = 2;
      const eff: Shape4 = [(fShape[0] - 1) * dil + 1, (fShape[1] - 1) * dil + 1, fShape[2], fShape[3]];
      const inner = fShape[2] * fShape[3];
      const tapAt = (kh: number, kw: number) => (kh * dil * eff[1] + kw * dil) * inner;
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
      const fEff = new Float32Array(size(eff));
      for (let kh = 0; kh < fShape[0]; kh++)
        for (let kw = 0; kw < fShape[1]; kw++)
          fEff.set(
            fv.subarray((kh * fShape[1] + kw) * inner, (kh * fShape[1] + kw + 1) * inner),
            tapAt(kh, kw),
          );

      const [refDx, refDfFull] = await valuesWithKernels('cpu', stockCpu, () => [
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(fEff, eff) },
            { strides: 1, dilations: 1, pad, inputShape: xShape },
          ) as tf.Tensor,
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
            { strides: 1, dilations: 1, pad, filterShape: eff },
          ) as tf.Tensor,
      ]);
      const refDf = new Float32Array(size(fShape));
      for (let kh = 0; kh < fShape[0]; kh++)
        for (let kw = 0; kw < fShape[1]; kw++)
          refDf.set(refDfFull!.subarray(tapAt(kh, kw), tapAt(kh, kw) + inner), (kh * fShape[1] + kw) * inner);

      const [dx, df] = await valuesOn('wasm', () => [
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(fv, fShape) },
            { strides: 1, dilations: dil, pad, inputShape: xShape },
          ) as tf.Tensor,
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
            { strides: 1, dilations: dil, pad, filterShape: fShape },
          ) as tf.Tensor,
      ]);
      expect(maxRelError(dx!, refDx!)).toBeLessThanOrEqual(1e-4);
      expect(maxRelError(df!, refDf)).toBeLessThanOrEqual(1e-4);
      const [cpuDf] = await valuesOn('cpu', () => [
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
            { strides: 1, dilations: dil, pad, filterShape: fShape },
          ) as tf.Tensor,
      ]);
      expect(maxRelError(cpuDf!, refDf)).toBeLessThanOrEqual(1e-4);
    });
  }
});

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
import { setIm2colChunkElements } from './im2col-chunk.js';
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
const stockCpu = captureKernels(['Conv2DBackpropFilter', 'Conv2DBackpropInput'], 'cpu');

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface Case {
  name: string;
  x: Shape4;
  f: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const CASES: Case[] = [
  { name: '7x13x3, k3, stride 2, same', x: [2, 7, 13, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '7x13x3, k3, stride 2, valid', x: [2, 7, 13, 3], f: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: 'even 2x4 kernel, stride 1, same', x: [3, 9, 6, 2], f: [2, 4, 2, 5], strides: 1, pad: 'same' },
  { name: 'stride [2,3], pad 1', x: [1, 11, 10, 4], f: [3, 3, 4, 3], strides: [2, 3], pad: 1 },
  {
    name: 'explicit asymmetric padding',
    x: [2, 8, 7, 3],
    f: [3, 2, 3, 2],
    strides: [1, 2],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { name: '1x1 kernel', x: [2, 5, 5, 6], f: [1, 1, 6, 7], strides: 1, pad: 'valid' },
];

useWasmBackend();

interface Data {
  values: Float32Array;
  shape: Shape4;
}

const seeded = (shape: Shape4, seed: number): Data => ({ values: randomArray(size(shape), seed), shape });

/** A Conv2DBackpropFilter call on `x` and `dy`. */
function filterGradCall(x: Data, dy: Data, attrs: Record<string, unknown>): tf.Tensor {
  return kernelCall(
    'Conv2DBackpropFilter',
    { x: tf.tensor4d(x.values, x.shape), dy: tf.tensor4d(dy.values, dy.shape) },
    attrs,
  );
}

/** A Conv2DBackpropInput call on `dy` and `filter`. */
function inputGradCall(dy: Data, filter: Data, attrs: Record<string, unknown>): tf.Tensor {
  return kernelCall(
    'Conv2DBackpropInput',
    { dy: tf.tensor4d(dy.values, dy.shape), filter: tf.tensor4d(filter.values, filter.shape) },
    attrs,
  );
}

describe('Conv2D gradients (Conv2DBackpropFilter on wasm and cpu, Conv2DBackpropInput on wasm)', () => {
  for (const c of CASES) {
    for (const backend of ['wasm', 'cpu']) {
      it(`match stock cpu on ${backend}: ${c.name}`, async () => {
        const run = convGrads(
          (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad),
          c.x,
          c.f,
          [11, 12, 13],
        );
        await expectMatchesStockCpu(backend, run, stockCpu);
      });
    }
  }

  it('gives the same results when the batch is processed in chunks', async () => {
    const c = CASES[0]!;
    const xShape: Shape4 = [c.x[0] * 3, c.x[1], c.x[2], c.x[3]];
    const x = seeded(xShape, 14);
    const f = seeded(c.f, 16);
    const dyShape = tf.backend_util.computeConv2DInfo(xShape, c.f, c.strides, 1, c.pad).outShape;
    const dy = seeded(dyShape, 15);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    const run = () => [
      filterGradCall(x, dy, { ...attrs, filterShape: c.f }),
      inputGradCall(dy, f, { ...attrs, inputShape: xShape }),
    ];
    const ref = await valuesWithKernels('cpu', stockCpu, run);
    // 2 of the 6 images per chunk: three matMuls per kernel.
    const previous = setIm2colChunkElements(2 * c.f[0] * c.f[1] * c.f[2] * dyShape[1] * dyShape[2]);
    try {
      for (const backend of ['wasm', 'cpu']) {
        const got = await valuesOn(backend, run);
        expect(maxRelError(got[0]!, ref[0]!)).toBeLessThanOrEqual(1e-4);
        if (backend === 'wasm') expect(maxRelError(got[1]!, ref[1]!)).toBeLessThanOrEqual(1e-4);
      }
    } finally {
      setIm2colChunkElements(previous);
    }
  });

  it('trains through fused conv2d (bias + relu), conv1d and conv2dTranspose on wasm', async () => {
    const xv = randomArray(2 * 9 * 9 * 4, 21);
    const fv = randomArray(3 * 3 * 3 * 4, 22);
    const bv = randomArray(4, 23);
    const wv = randomArray(3 * 3 * 5, 24);
    const run = () => {
      const fused = tf.grads((f: tf.Tensor, b: tf.Tensor) =>
        weightedSum(
          tf.fused.conv2d({
            x: tf.tensor4d(xv.subarray(0, 2 * 9 * 9 * 3), [2, 9, 9, 3]),
            filter: f as tf.Tensor4D,
            strides: 2,
            pad: 'same',
            bias: b,
            activation: 'relu',
          }),
          25,
        ),
      )([tf.tensor4d(fv, [3, 3, 3, 4]), tf.tensor1d(bv)]);
      const conv1d = tf.grad((w: tf.Tensor) =>
        weightedSum(
          tf.conv1d(tf.tensor3d(xv.subarray(0, 2 * 27 * 3), [2, 27, 3]), w as tf.Tensor3D, 2, 'same'),
          26,
        ),
      )(tf.tensor3d(wv, [3, 3, 5]));
      const transposed = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
        weightedSum(tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, [2, 17, 17, 3], 2, 'same'), 27),
      )([tf.tensor4d(xv.subarray(0, 2 * 9 * 9 * 4), [2, 9, 9, 4]), tf.tensor4d(fv, [3, 3, 3, 4])]);
      return [...fused, conv1d, ...transposed];
    };
    await expectMatchesStockCpu('wasm', run, stockCpu);
  });

  // tfjs never passes dilations to these kernels; they honour them anyway. Reference: a dilated
  // filter equals a plain one with zeros between the taps.
  for (const backend of ['wasm', 'cpu']) {
    it(`honours a dilations attribute on ${backend}`, async () => {
      const xShape: Shape4 = [2, 9, 11, 3];
      const fShape: Shape4 = [2, 3, 3, 2];
      const dil = 2;
      const x = seeded(xShape, 31);
      const f = seeded(fShape, 33);
      const fEff = dilatedFilter(f.values, fShape, dil);
      const dyShape = tf.backend_util.computeConv2DInfo(xShape, fShape, 1, dil, 'same').outShape;
      const dy = seeded(dyShape, 32);
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
      const [refDfFull, refDx] = await valuesWithKernels('cpu', stockCpu, () => [
        filterGradCall(x, dy, { ...attrs, filterShape: fEff.shape }),
        inputGradCall(dy, fEff, { ...attrs, inputShape: xShape }),
      ]);
      const refDf = filterTaps(refDfFull!, fShape, dil);
      const got = await valuesOn(backend, () => [
        filterGradCall(x, dy, { ...attrs, filterShape: fShape, dilations: dil }),
        ...(backend === 'wasm'
          ? [inputGradCall(dy, f, { ...attrs, inputShape: xShape, dilations: dil })]
          : []),
      ]);
      expect(maxRelError(got[0]!, refDf)).toBeLessThanOrEqual(1e-4);
      if (backend === 'wasm') expect(maxRelError(got[1]!, refDx!)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('hands NCHW to the stock kernels where they exist, and rejects it on wasm otherwise', async () => {
    const x = seeded([2, 3, 7, 6], 41);
    const f = seeded([3, 3, 3, 4], 42);
    const dy = seeded([2, 4, 4, 3], 43);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' };
    const filterGrad = () => [filterGradCall(x, dy, { ...attrs, filterShape: f.shape })];
    const inputGrad = () => [inputGradCall(dy, f, { ...attrs, inputShape: x.shape })];
    const [refDf] = await valuesWithKernels('cpu', stockCpu, filterGrad);
    const [refDx] = await valuesWithKernels('cpu', stockCpu, inputGrad);
    expect(maxRelError((await valuesOn('cpu', filterGrad))[0]!, refDf!)).toBeLessThanOrEqual(1e-6);
    expect(maxRelError((await valuesOn('wasm', inputGrad))[0]!, refDx!)).toBeLessThanOrEqual(1e-4);
    await expect(valuesOn('wasm', filterGrad)).rejects.toThrow(/only dataFormat 'NHWC'/);
  });

  it('leaks no tensors or wasm buffers, chunked or not', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randomArray(3 * 16 * 16 * 4, 51), [3, 16, 16, 4]);
    const f = tf.tensor4d(randomArray(5 * 5 * 4 * 2, 52), [5, 5, 4, 2]);
    const dy = tf.tensor4d(randomArray(3 * 16 * 16 * 2, 53), [3, 16, 16, 2]);
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (const chunk of [4 * 1024 * 1024, 5 * 5 * 4 * 256]) {
      const previous = setIm2colChunkElements(chunk);
      const dw = kernelCall(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'same', filterShape: [5, 5, 4, 2] },
      );
      const dx = kernelCall(
        'Conv2DBackpropInput',
        { dy, filter: f },
        { strides: 1, pad: 'same', inputShape: x.shape },
      );
      setIm2colChunkElements(previous);
      expect(dw.shape).toEqual([5, 5, 4, 2]);
      expect(dx.shape).toEqual(x.shape);
      tf.dispose([dw, dx]);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    tf.dispose([x, f, dy]);
  });
});

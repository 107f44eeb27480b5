import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { maxRelError, randomArray, valuesOn, weightedSum } from '../test-support.js';
import { setIm2colChunkElements } from './conv2d-backprop-filter.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface Case {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
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

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('Conv2D gradients on wasm (Conv2DBackpropFilter fix, stock Conv2DBackpropInput)', () => {
  for (const c of CASES) {
    it(`match cpu: ${c.name}`, async () => {
      const xv = randomArray(size(c.x), 11);
      const fv = randomArray(size(c.f), 12, 0.5);
      const run = () =>
        tf.grads((x: tf.Tensor, f: tf.Tensor) =>
          weightedSum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad), 13),
        )([tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f)]);
      const [refDx, refDf] = await valuesOn('cpu', run);
      const [dx, df] = await valuesOn('wasm', run);
      expect(maxRelError(df!, refDf!)).toBeLessThanOrEqual(1e-4);
      expect(maxRelError(dx!, refDx!)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('gives the same result when the batch is processed in chunks', async () => {
    const c = CASES[0]!;
    const xv = randomArray(size(c.x) * 3, 14);
    const xShape: [number, number, number, number] = [c.x[0] * 3, c.x[1], c.x[2], c.x[3]];
    const dyShape = tf.backend_util.computeConv2DInfo(xShape, c.f, c.strides, 1, c.pad).outShape;
    const dyv = randomArray(size(dyShape), 15);
    const run = () => [
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
          { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f },
        ) as tf.Tensor,
    ];
    const [ref] = await valuesOn('cpu', run);
    // 2 images per chunk of the 6: three matMuls summed.
    const perImage = c.f[0] * c.f[1] * c.f[2] * dyShape[1] * dyShape[2];
    const previous = setIm2colChunkElements(2 * perImage);
    try {
      const [got] = await valuesOn('wasm', run);
      expect(maxRelError(got!, ref!)).toBeLessThanOrEqual(1e-4);
    } finally {
      setIm2colChunkElements(previous);
    }
  });

  it('trains through fused conv2d (bias + relu) and conv1d', async () => {
    const xv = randomArray(2 * 9 * 9 * 3, 21);
    const fv = randomArray(3 * 3 * 3 * 4, 22);
    const bv = randomArray(4, 23);
    const wv = randomArray(3 * 3 * 5, 24);
    const run = () => {
      const fused = tf.grads((f: tf.Tensor, b: tf.Tensor) =>
        weightedSum(
          tf.fused.conv2d({
            x: tf.tensor4d(xv, [2, 9, 9, 3]),
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
      return [...fused, conv1d];
    };
    const ref = await valuesOn('cpu', run);
    const got = await valuesOn('wasm', run);
    for (const [i, r] of ref.entries()) expect(maxRelError(got[i]!, r)).toBeLessThanOrEqual(1e-4);
  });

  it('honours a dilations attribute (checked against the equivalent zero-inserted filter)', async () => {
    const xShape: [number, number, number, number] = [2, 9, 11, 3];
    const fShape: [number, number, number, number] = [2, 3, 3, 2];
    const dil = 2;
    const xv = randomArray(size(xShape), 31);
    const dyShape = tf.backend_util.computeConv2DInfo(xShape, fShape, 1, dil, 'same').outShape;
    const dyv = randomArray(size(dyShape), 32);
    // Reference: a dilated filter is a plain filter with zeros between taps; its gradient at the
    // tap positions is the dilated filter's gradient.
    const eff: [number, number, number, number] = [
      (fShape[0] - 1) * dil + 1,
      (fShape[1] - 1) * dil + 1,
      3,
      2,
    ];
    const [refFull] = await valuesOn('cpu', () => [
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: eff },
        ) as tf.Tensor,
    ]);
    const ref = new Float32Array(size(fShape));
    for (let kh = 0; kh < fShape[0]; kh++)
      for (let kw = 0; kw < fShape[1]; kw++)
        for (let j = 0; j < 6; j++)
          ref[(kh * fShape[1] + kw) * 6 + j] = refFull![(kh * dil * eff[1] + kw * dil) * 6 + j]!;
    const [got] = await valuesOn('wasm', () => [
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: fShape, dilations: dil },
        ) as tf.Tensor,
    ]);
    expect(maxRelError(got!, ref)).toBeLessThanOrEqual(1e-4);
  });

  it('leaks no tensors or wasm buffers', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randomArray(3 * 16 * 16 * 4, 41), [3, 16, 16, 4]);
    const dy = tf.tensor4d(randomArray(3 * 16 * 16 * 2, 42), [3, 16, 16, 2]);
    // Small chunks so the chunk temporaries are exercised too.
    const previous = setIm2colChunkElements(5 * 5 * 4 * 256);
    const before = tf.memory();
    const buffersBefore = tf.engine().backend.numDataIds();
    const dw = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5, 5, 4, 2] },
      ) as tf.Tensor;
    setIm2colChunkElements(previous);
    expect(dw.shape).toEqual([5, 5, 4, 2]);
    dw.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    tf.dispose([x, dy]);
  });
});

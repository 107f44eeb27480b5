import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, type Conv2dOptions } from './conv2d.js';
import { toTorchLayout } from './layout.js';
import { expectClose, naiveConv2d, randomData, useCpu } from './testing/references.js';

beforeAll(useCpu);

interface Case {
  name: string;
  inC: number;
  outC: number;
  k: [number, number];
  opts: Conv2dOptions;
  /** The symmetric padding the naive reference should use. */
  pad: [number, number];
  mode: string;
  layout: string;
}

const CASES: Case[] = [
  {
    name: 'groups 1, odd sizes, stride 2, padding 1, dilation 2',
    inC: 3,
    outC: 4,
    k: [3, 2],
    opts: { stride: 2, padding: 1, dilation: 2 },
    pad: [1, 1],
    mode: 'dense',
    layout: 'conv2d',
  },
  {
    name: 'depthwise (groups = in, multiplier 2), stride 2, padding 1, dilation 2',
    inC: 3,
    outC: 6,
    k: [3, 3],
    opts: { stride: 2, padding: 1, dilation: 2, groups: 3 },
    pad: [1, 1],
    mode: 'depthwise',
    layout: 'depthwise2d',
  },
  {
    name: 'groups 2, padding [1, 2], dilation [1, 2], stride [1, 2]',
    inC: 4,
    outC: 6,
    k: [3, 3],
    opts: { stride: [1, 2], padding: [1, 2], dilation: [1, 2], groups: 2 },
    pad: [1, 2],
    mode: 'grouped',
    layout: 'conv2d',
  },
  {
    name: "'same' with stride 1 (odd kernel), no bias",
    inC: 2,
    outC: 3,
    k: [3, 3],
    opts: { padding: 'same', bias: false },
    pad: [1, 1],
    mode: 'dense',
    layout: 'conv2d',
  },
  {
    name: "'valid' depthwise, multiplier 1",
    inC: 4,
    outC: 4,
    k: [2, 3],
    opts: { padding: 'valid', groups: 4 },
    pad: [0, 0],
    mode: 'depthwise',
    layout: 'depthwise2d',
  },
];

describe('Conv2d', () => {
  for (const c of CASES) {
    it(`matches a naive PyTorch-semantics loop: ${c.name}`, () => {
      const conv = new Conv2d(c.inC, c.outC, c.k, c.opts);
      expect(conv.mode).toBe(c.mode);
      expect(conv.weight.layout).toBe(c.layout);
      const xShape: [number, number, number, number] = [2, 7, 9, c.inC];
      const x = randomData(
        xShape.reduce((a, b) => a * b),
        3,
      );
      const wTorch = toTorchLayout(conv.weight.value, conv.weight.layout);
      expect(wTorch.shape).toEqual([c.outC, c.inC / (c.opts.groups ?? 1), ...c.k]);
      const [expected, shape] = naiveConv2d(
        x,
        xShape,
        wTorch.dataSync() as Float32Array,
        wTorch.shape as [number, number, number, number],
        conv.bias?.value.dataSync() as Float32Array | undefined,
        {
          stride: conv.stride,
          padding: c.pad,
          dilation: conv.dilation,
          groups: conv.groups,
        },
      );
      const y = conv.call(tf.tensor4d(x, xShape));
      expect(y.shape).toEqual(shape);
      expectClose(y.dataSync(), expected, 1e-5, c.name);
      tf.dispose([wTorch, y]);
      conv.dispose();
    });
  }

  it('is differentiable with dilation and stride (tfjs conv grads refuse dilation > 1)', () => {
    const conv = new Conv2d(2, 3, 3, { stride: 2, padding: 1, dilation: 2 });
    const x = tf.tensor4d(randomData(2 * 6 * 6 * 2, 5), [2, 6, 6, 2]);
    const r = tf.tensor(randomData(2 * 2 * 2 * 3, 6), [2, 2, 2, 3]); // (6 + 2 - 4 - 1) / 2 + 1 = 2
    const loss = () => tf.sum(tf.mul(conv.call(x), r)) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, [conv.weight.variable]);
    const g = grads[conv.weight.variable.name] as tf.Tensor;
    // The loss is linear in the weight, so a finite difference is exact up to rounding.
    const idx = [1, 2, 0, 1];
    const before = loss().dataSync()[0] as number;
    const bump = tf.buffer(conv.weight.shape, 'float32');
    bump.set(1, ...idx);
    const bumpT = bump.toTensor();
    conv.weight.assign(tf.add(conv.weight.value, bumpT));
    const after = loss().dataSync()[0] as number;
    expect(g.bufferSync().get(...idx)).toBeCloseTo(after - before, 3);
    tf.dispose([x, r, g, bumpT]);
    conv.dispose();
  });

  it('checks channels and divisibility, naming the argument', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups \(2\)/);
    const conv = new Conv2d(3, 4, 3);
    expect(() => conv.call(tf.zeros([1, 5, 5, 2]))).toThrow(
      /Conv2d\.forward: x \(NHWC\) must have last dimension 3/,
    );
    expect(() => conv.call(tf.zeros([5, 5, 3]))).toThrow(/rank 4/);
    conv.dispose();
  });
});

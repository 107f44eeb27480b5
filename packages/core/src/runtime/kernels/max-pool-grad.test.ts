import type { KernelConfig } from '@tensorflow/tfjs';
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
} from '../testing/cross-backend.js';
import { sizeOf as size } from './kernel-io.js';
import { expectMatchesStockCpu, type Shape4 } from './testing/kernel-kit.js';

// Captured before the fixes replace some of them: the reference is always stock tfjs on cpu.
const stockCpu = captureKernels(['MaxPoolGrad'], 'cpu');

interface Case {
  name: string;
  x: Shape4;
  filter: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
}

const CASES: Case[] = [
  { name: '7x13x3, k3, stride 2, same', x: [2, 7, 13, 3], filter: 3, strides: 2, pad: 'same' },
  { name: '7x13x3, k3, stride 2, valid', x: [2, 7, 13, 3], filter: 3, strides: 2, pad: 'valid' },
  { name: 'k2 stride 2 valid', x: [1, 8, 9, 5], filter: 2, strides: 2, pad: 'valid' },
  { name: 'k [3,2], stride [1,2], same', x: [2, 6, 7, 2], filter: [3, 2], strides: [1, 2], pad: 'same' },
  { name: 'k3 stride 1 pad 1', x: [1, 5, 6, 3], filter: 3, strides: 1, pad: 1 },
];

/** Three kinds of input: mixed signs, all negative (the stock wasm bug) and many ties. */
function inputs(n: number, seed: number): Record<string, Float32Array> {
  const mixed = randomArray(n, seed);
  return {
    mixed,
    'all negative': mixed.map((v) => -1 - Math.abs(v)),
    ties: mixed.map((v) => Math.round(v) - 3),
  };
}

let stockMaxPoolGrad: KernelConfig | undefined;

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  await initBackend({ prefer: 'wasm' });
});

function maxPoolGrad(c: Case, xv: Float32Array): tf.Tensor[] {
  return [
    tf.grad((x: tf.Tensor) => weightedSum(tf.maxPool(x as tf.Tensor4D, c.filter, c.strides, c.pad), 3))(
      tf.tensor4d(xv, c.x),
    ),
  ];
}

describe('MaxPoolGrad (wasm: correctness fix, cpu: speed fix)', () => {
  for (const c of CASES) {
    for (const [kind, xv] of Object.entries(inputs(size(c.x), 1))) {
      for (const backend of ['wasm', 'cpu']) {
        it(`matches stock cpu on ${backend}: ${c.name}, ${kind} input`, async () => {
          await expectMatchesStockCpu(backend, () => maxPoolGrad(c, xv), stockCpu);
        });
      }
    }
  }

  it('regression: a window that is entirely negative still routes its gradient', async () => {
    // Every window of this 'same' pooling mixes padding with negative values only.
    const c: Case = { name: 'all negative', x: [1, 3, 3, 1], filter: 2, strides: 2, pad: 'same' };
    const xv = Float32Array.from([-5, -4, -3, -2, -1, -6, -7, -8, -9]);
    const [got] = await valuesOn('wasm', () => maxPoolGrad(c, xv));
    const [ref] = await valuesWithKernels('cpu', stockCpu, () => maxPoolGrad(c, xv));
    // Each of the 4 windows sends exactly one dy value to its maximum: -1 (top-left), -3, -7, -9.
    expect(Array.from(got!, (v) => v !== 0)).toEqual([
      false,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
    expect(maxRelError(got!, ref!)).toBeLessThanOrEqual(1e-4);
  });

  it('documents the bug: the stock wasm kernel fails the same comparison', async () => {
    const stock = stockMaxPoolGrad;
    if (stock === undefined) throw new Error('stock MaxPoolGrad was not captured');
    const fixed = tf.getKernel('MaxPoolGrad', 'wasm');
    if (fixed === undefined) throw new Error('fixed MaxPoolGrad missing');
    const c = CASES[0]!;
    const xv = inputs(size(c.x), 1)['all negative']!;
    const [ref] = await valuesWithKernels('cpu', stockCpu, () => maxPoolGrad(c, xv));
    await tf.setBackend('wasm');
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel(stock);
    stock.setupFunc?.(tf.backend());
    try {
      const [got] = await valuesOn('wasm', () => maxPoolGrad(c, xv));
      expect(maxRelError(got!, ref!)).toBeGreaterThan(1e-2);
    } finally {
      tf.unregisterKernel('MaxPoolGrad', 'wasm');
      tf.registerKernel(fixed);
    }
  });
});

describe('MaxPool3DGrad on wasm', () => {
  const shape: [number, number, number, number, number] = [2, 5, 6, 7, 2];
  for (const pad of ['same', 'valid'] as const) {
    for (const [kind, xv] of Object.entries(inputs(size(shape), 2))) {
      it(`matches cpu: k3 stride 2 ${pad}, ${kind} input`, async () => {
        const run = () => [
          tf.grad((x: tf.Tensor) => weightedSum(tf.maxPool3d(x as tf.Tensor5D, 3, 2, pad), 4))(
            tf.tensor5d(xv, shape),
          ),
        ];
        await expectMatchesStockCpu('wasm', run, stockCpu);
      });
    }
  }
});

describe('AvgPoolGrad on wasm (stock kernel, checked)', () => {
  for (const c of CASES) {
    it(`matches cpu: ${c.name}`, async () => {
      const xv = randomArray(size(c.x), 5);
      const run = () => [
        tf.grad((x: tf.Tensor) => weightedSum(tf.avgPool(x as tf.Tensor4D, c.filter, c.strides, c.pad), 6))(
          tf.tensor4d(xv, c.x),
        ),
      ];
      await expectMatchesStockCpu('wasm', run, stockCpu);
    });
  }
});

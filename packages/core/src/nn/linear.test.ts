import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTorchLayout } from './layout.js';
import { Linear } from './linear.js';
import { expectClose, randomData, useCpu } from './testing/references.js';

beforeAll(useCpu);

describe('Linear', () => {
  it('matches y = x W^T + b computed by hand from the PyTorch-layout weight, for rank-3 input', () => {
    const lin = new Linear(5, 3);
    const [b, t, i, o] = [2, 4, 5, 3];
    const x = randomData(b * t * i, 1);
    const wTorch = toTorchLayout(lin.weight.value, 'linear'); // [out, in]
    expect(wTorch.shape).toEqual([o, i]);
    const w = wTorch.dataSync();
    const bias = lin.bias?.value.dataSync() ?? new Float32Array(o);
    const expected = new Float32Array(b * t * o);
    for (let r = 0; r < b * t; r++)
      for (let c = 0; c < o; c++) {
        let acc = bias[c] as number;
        for (let k = 0; k < i; k++) acc += (x[r * i + k] as number) * (w[c * i + k] as number);
        expected[r * o + c] = acc;
      }
    const y = lin.call(tf.tensor3d(x, [b, t, i]));
    expect(y.shape).toEqual([b, t, o]);
    expectClose(y.dataSync(), expected, 1e-5);
    tf.dispose([wTorch, y]);
    lin.dispose();
  });

  it('supports bias: false and rank-1 / rank-2 input', () => {
    const lin = new Linear(3, 2, { bias: false });
    expect(lin.bias).toBeUndefined();
    expect(lin.namedParameters().map(([p]) => p)).toEqual(['weight']);
    const x = tf.tensor1d([1, 2, 3]);
    const y1 = lin.call(x);
    const y2 = lin.call(x.reshape([1, 3]));
    expect(y1.shape).toEqual([2]);
    expectClose(y1.dataSync(), y2.dataSync(), 1e-6);
    tf.dispose([x, y1, y2]);
    lin.dispose();
  });

  it('keeps the weight as [in, out] with layout linear and checks the input size', () => {
    const lin = new Linear(6, 2);
    expect(lin.weight.shape).toEqual([6, 2]);
    expect(lin.weight.layout).toBe('linear');
    expect(lin.inFeatures).toBe(6);
    expect(lin.outFeatures).toBe(2);
    expect(() => lin.call(tf.zeros([2, 5]))).toThrow(
      /Linear\.forward: x must have last dimension 6, got shape \[2,5\]/,
    );
    expect(() => new Linear(0, 2)).toThrow(/inFeatures must be a positive integer/);
    lin.dispose();
  });

  it("weightLayout 'identity' keeps [in, out] in files too (GPT-2 Conv1D)", () => {
    const lin = new Linear(3, 5, { weightLayout: 'identity' });
    expect(lin.weight.layout).toBe('identity');
    const file = toTorchLayout(lin.weight.value, lin.weight.layout);
    expect(file.shape).toEqual([3, 5]);
    expect(Array.from(file.dataSync())).toEqual(Array.from(lin.weight.value.dataSync()));
    file.dispose();
    lin.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv1d, type Conv1dOptions } from './conv1d.js';
import { toTorchLayout } from './layout.js';
import { expectClose, randomData, useCpu } from './testing/references.js';

beforeAll(useCpu);

/** PyTorch conv1d by definition on [B, L, C] input with an [out, in/groups, k] weight. */
function naiveConv1d(
  x: Float32Array,
  [b, l, c]: [number, number, number],
  w: Float32Array,
  [o, ig, k]: [number, number, number],
  bias: Float32Array | undefined,
  stride: number,
  pad: number,
  dil: number,
  groups: number,
): [Float32Array, number[]] {
  const lo = Math.floor((l + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
  const out = new Float32Array(b * lo * o);
  for (let n = 0; n < b; n++)
    for (let t = 0; t < lo; t++)
      for (let oc = 0; oc < o; oc++) {
        const g = Math.floor(oc / (o / groups));
        let acc = bias ? (bias[oc] as number) : 0;
        for (let ic = 0; ic < ig; ic++)
          for (let j = 0; j < k; j++) {
            const pos = t * stride - pad + j * dil;
            if (pos < 0 || pos >= l) continue;
            acc += (x[(n * l + pos) * c + g * ig + ic] as number) * (w[(oc * ig + ic) * k + j] as number);
          }
        out[(n * lo + t) * o + oc] = acc;
      }
  return [out, [b, lo, o]];
}

const CASES: [string, number, number, number, Conv1dOptions, number][] = [
  ['dense, stride 2, padding 1, dilation 2', 3, 4, 3, { stride: 2, padding: 1, dilation: 2 }, 1],
  ['depthwise (groups = in), multiplier 2', 3, 6, 3, { groups: 3, padding: 2 }, 2],
  ['groups 2, stride 3, no bias', 4, 2, 2, { groups: 2, stride: 3, bias: false }, 0],
  ["'same', k = 5", 2, 3, 5, { padding: 'same' }, 2],
];

describe('Conv1d', () => {
  for (const [name, inC, outC, k, opts, pad] of CASES) {
    it(`matches a naive loop: ${name}`, () => {
      const conv = new Conv1d(inC, outC, k, opts);
      expect(conv.weight.layout).toBe('conv1d');
      expect(conv.weight.shape).toEqual([k, inC / (opts.groups ?? 1), outC]);
      const xShape: [number, number, number] = [2, 11, inC];
      const x = randomData(2 * 11 * inC, 9);
      const wT = toTorchLayout(conv.weight.value, 'conv1d');
      const [expected, shape] = naiveConv1d(
        x,
        xShape,
        wT.dataSync() as Float32Array,
        wT.shape as [number, number, number],
        conv.bias?.value.dataSync() as Float32Array | undefined,
        conv.stride,
        pad,
        conv.dilation,
        conv.groups,
      );
      const y = conv.call(tf.tensor3d(x, xShape));
      expect(y.shape).toEqual(shape);
      expectClose(y.dataSync(), expected, 1e-5, name);
      tf.dispose([wT, y]);
      conv.dispose();
    });
  }

  it('trains through a dilated kernel', () => {
    const conv = new Conv1d(2, 2, 3, { dilation: 3 });
    const x = tf.tensor3d(randomData(1 * 10 * 2, 4), [1, 10, 2]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(conv.call(x))) as tf.Scalar,
      [conv.weight.variable],
    );
    const g = grads[conv.weight.variable.name] as tf.Tensor;
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, g]);
    conv.dispose();
  });
});

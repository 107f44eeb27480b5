import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformerEncoderLayer } from '../nn/transformer-encoder-layer.js';
import { initBackend } from './backend.js';
import { trackBufferPeak } from './buffer-peak.js';
import { leanGradients } from './lean-gradients.js';
import { expectNoLeak } from './memory.js';
import { setSeed } from './random.js';

beforeAll(async () => {
  await initBackend();
});

function setup() {
  setSeed(3);
  const layer = new TransformerEncoderLayer(32, 4, { dimFeedforward: 64, dropout: 0.1, activation: 'gelu' });
  layer.train();
  const vars = layer.parameters().map((p) => p.variable);
  const x = tf.randomNormal([2, 8, 32], 0, 1, 'float32', 5);
  // Seeded dropout: each run reseeds so both gradient paths see the same masks.
  const loss = () => {
    setSeed(11);
    return tf.sum(tf.square(layer.call(x)));
  };
  return { layer, vars, x, loss };
}

describe('leanGradients', () => {
  it('gives exactly the gradients of tf.variableGrads', () => {
    const { layer, vars, x, loss } = setup();
    const ref = tf.variableGrads(loss as () => tf.Scalar, vars);
    const lean = leanGradients(loss, vars);
    expect(lean.value.dataSync()[0]).toBe(ref.value.dataSync()[0]);
    vars.forEach((v, i) => {
      const g = lean.grads[i];
      expect(g, v.name).toBeTruthy();
      expect(Array.from((g as tf.Tensor).dataSync())).toEqual(Array.from(ref.grads[v.name]!.dataSync()));
    });
    tf.dispose([ref.value, ...Object.values(ref.grads), lean.value, ...lean.grads.filter((g) => g !== null)]);
    layer.dispose();
    x.dispose();
  });

  it('gives null for an unconnected source and takes a dy seed', () => {
    const a = tf.variable(tf.tensor1d([1, 2, 3]));
    const unused = tf.variable(tf.scalar(1));
    const dy = tf.tensor1d([1, 10, 100]);
    const { value, grads } = leanGradients(() => tf.square(a), [a, unused], dy);
    expect(Array.from(grads[0]!.dataSync())).toEqual([2, 40, 600]);
    expect(grads[1]).toBeNull();
    tf.dispose([value, grads[0]!, a, unused, dy]);
  });

  it('needs less buffer memory than tf.variableGrads and leaks nothing', async () => {
    const { layer, vars, x, loss } = setup();
    const run = (lean: boolean) => () => {
      const r = lean ? leanGradients(loss, vars) : tf.variableGrads(loss as () => tf.Scalar, vars);
      tf.dispose([r.value, ...Object.values(r.grads).filter((g): g is tf.Tensor => g !== null)]);
    };
    const stock = await trackBufferPeak(run(false));
    const lean = await trackBufferPeak(run(true));
    expect(lean.peakNewBufferBytes).toBeLessThan(0.8 * stock.peakNewBufferBytes);
    expect(lean.newBufferBytes).toBe(0);
    await expectNoLeak(run(true), { context: 'leanGradients' });
    layer.dispose();
    x.dispose();
  });

  it('restores the outer tape when called inside a custom gradient', () => {
    const w = tf.variable(tf.tensor1d([0.5, -1]));
    const x = tf.tensor1d([3, 4]);
    // A custom op whose gradient is itself computed with leanGradients (as checkpointing does).
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const xi = args[0] as tf.Tensor;
      const save = args[1] as tf.GradSaveFunc;
      save([xi]);
      return {
        value: tf.mul(xi, 2),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const inner = leanGradients(() => tf.mul(saved[0]!, 2), [saved[0]!], dy as tf.Tensor);
          inner.value.dispose();
          return [inner.grads[0]!];
        },
      };
    });
    const { value, grads } = leanGradients(() => tf.sum(tf.mul(op(tf.mul(x, w)) as tf.Tensor, w)), [w]);
    // d/dw sum(2 x w * w) = 4 x w
    expect(Array.from(grads[0]!.dataSync())).toEqual([6, -16]);
    tf.dispose([value, grads[0]!, w, x]);
  });

  it('refuses to run inside a recording tape', () => {
    const a = tf.variable(tf.scalar(2));
    expect(() =>
      tf.grad((x: tf.Tensor) => leanGradients(() => tf.mul(x, a), [a]).value)(tf.scalar(1)),
    ).toThrow(/higher-order/);
    a.dispose();
  });
});

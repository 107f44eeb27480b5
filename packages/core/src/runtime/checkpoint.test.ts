import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformerEncoderLayer } from '../nn/transformer-encoder-layer.js';
import { initBackend } from './backend.js';
import { trackBufferPeak } from './buffer-peak.js';
import { checkpoint } from './checkpoint.js';
import { leanGradients } from './lean-gradients.js';
import { expectNoLeak } from './memory.js';
import { setSeed } from './random.js';
import { maxRelError } from './testing/cross-backend.js';

beforeAll(async () => {
  await initBackend();
});

function stack(n: number) {
  setSeed(7);
  const layers = Array.from(
    { length: n },
    () => new TransformerEncoderLayer(32, 4, { dimFeedforward: 128, dropout: 0.2, activation: 'gelu' }),
  );
  for (const l of layers) l.train();
  const vars = layers.flatMap((l) => l.parameters().map((p) => p.variable));
  const x = tf.randomNormal([4, 16, 32], 0, 1, 'float32', 9);
  const mask = tf.tensor2d(
    Array.from({ length: 4 * 16 }, (_, i) => (i % 16 < 12 + (i >> 4) ? 1 : 0)),
    [4, 16],
    'int32',
  );
  const loss = (ckpt: boolean) => () => {
    setSeed(21); // the same dropout masks for both runs
    let h = tf.mul(x, 1);
    for (const l of layers) {
      h = ckpt
        ? checkpoint((a, m) => l.forward(a, { attentionMask: m }), {
            inputs: [h],
            constants: [mask],
            variables: l.parameters().map((p) => p.variable),
          })
        : l.forward(h, { attentionMask: mask });
    }
    return tf.sum(tf.square(h));
  };
  return { layers, vars, x, mask, loss };
}

describe('checkpoint', () => {
  it('gives the gradients of the direct computation (dropout on, padding mask)', () => {
    const { layers, vars, x, mask, loss } = stack(2);
    const direct = leanGradients(loss(false), [x, ...vars]);
    const ckpt = leanGradients(loss(true), [x, ...vars]);
    expect(ckpt.value.dataSync()[0]).toBe(direct.value.dataSync()[0]);
    direct.grads.forEach((g, i) => {
      const c = ckpt.grads[i];
      expect(c, `gradient ${i}`).toBeTruthy();
      expect(maxRelError((c as tf.Tensor).dataSync(), (g as tf.Tensor).dataSync())).toBeLessThan(1e-5);
    });
    tf.dispose([direct.value, ckpt.value, ...direct.grads, ...ckpt.grads].filter((t): t is tf.Tensor => !!t));
    for (const l of layers) l.dispose();
    tf.dispose([x, mask]);
  });

  it('keeps fewer activations and leaks nothing', async () => {
    const { layers, vars, x, mask, loss } = stack(4);
    const step = (ckpt: boolean) => () => {
      const r = leanGradients(loss(ckpt), vars);
      tf.dispose([r.value, ...r.grads.filter((g): g is tf.Tensor => g !== null)]);
    };
    const direct = await trackBufferPeak(step(false));
    const ckpt = await trackBufferPeak(step(true));
    expect(ckpt.peakNewBufferBytes).toBeLessThan(0.6 * direct.peakNewBufferBytes);
    await expectNoLeak(step(true), { context: 'checkpointed step' });
    for (const l of layers) l.dispose();
    tf.dispose([x, mask]);
  });

  it('refuses a function that reads a trainable variable it was not given', () => {
    const listed = tf.variable(tf.tensor1d([1, 2]));
    const hidden = tf.variable(tf.tensor1d([3, 4]));
    const x = tf.tensor1d([5, 6]);
    const f = () =>
      tf.sum(checkpoint((a) => tf.mul(tf.mul(a, listed), hidden), { inputs: [x], variables: [listed] }));
    expect(() => leanGradients(f, [listed, hidden])).toThrow(/reads trainable variable\(s\) .* not listed/);
    const ok = leanGradients(
      () => tf.sum(checkpoint((a) => tf.mul(a, listed), { inputs: [x], variables: [listed] })),
      [listed],
    );
    expect(Array.from(ok.grads[0]!.dataSync())).toEqual([5, 6]);
    tf.dispose([ok.value, ok.grads[0]!, listed, hidden, x]);
  });

  it('just calls fn when no gradient is recorded', () => {
    const x = tf.tensor1d([1, 2]);
    const y = checkpoint((a) => tf.mul(a, 3), { inputs: [x] });
    expect(Array.from(y.dataSync())).toEqual([3, 6]);
    tf.dispose([x, y]);
  });
});

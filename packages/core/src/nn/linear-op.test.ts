import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../runtime/backend.js';
import { trackBufferPeak } from '../runtime/buffer-peak.js';
import { leanGradients } from '../runtime/lean-gradients.js';
import { setSeed } from '../runtime/random.js';
import { gelu } from './activations.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';

beforeAll(async () => {
  await initBackend();
});

/** The plain tfjs formula each lean op replaces, differentiated by tfjs' own gradients. */
function plainLinear(fc: Linear, x: tf.Tensor): tf.Tensor {
  const flat = tf.reshape(x, [-1, fc.inFeatures]);
  let y = tf.matMul(flat, fc.weight.value);
  if (fc.bias) y = tf.add(y, fc.bias.value);
  return tf.reshape(y, [...x.shape.slice(0, -1), fc.outFeatures]);
}

function sameGrads(f: () => tf.Tensor, g: () => tf.Tensor, xs: tf.Tensor[], what = ''): void {
  const a = leanGradients(f, xs);
  const b = leanGradients(g, xs);
  expect(Array.from(b.value.dataSync())).toEqual(Array.from(a.value.dataSync()));
  a.grads.forEach((ga, i) => {
    const gb = b.grads[i];
    if (ga === null) expect(gb).toBeNull();
    else expect(Array.from(gb!.dataSync()), `${what} gradient ${i}`).toEqual(Array.from(ga.dataSync()));
  });
  tf.dispose([a.value, b.value, ...a.grads, ...b.grads].filter((t): t is tf.Tensor => t !== null));
}

describe('lean Linear, GELU and LayerNorm under a gradient tape', () => {
  for (const [trainW, trainB] of [
    [true, true],
    [false, false],
    [false, true],
    [true, false],
  ] as const) {
    it(`Linear (weight ${trainW ? 'trainable' : 'frozen'}, bias ${trainB ? 'trainable' : 'frozen'}) has tfjs' gradients`, () => {
      setSeed(1);
      const fc = new Linear(24, 16);
      fc.weight.trainable = trainW;
      fc.bias!.trainable = trainB;
      const x = tf.randomNormal([3, 5, 24], 0, 1, 'float32', 2);
      const w = tf.randomNormal([3, 5, 16], 0, 1, 'float32', 3);
      const vars = [fc.weight.variable, fc.bias!.variable].filter((v) => v.trainable);
      sameGrads(
        () => tf.sum(tf.mul(plainLinear(fc, x), w)),
        () => tf.sum(tf.mul(fc.call(x), w)),
        [x, ...vars],
      );
      fc.dispose();
      tf.dispose([x, w]);
    });
  }

  it('GELU (erf and tanh) and LayerNorm have the gradients of their formulas', () => {
    setSeed(2);
    const x = tf.randomNormal([4, 6, 8], 0, 2, 'float32', 4);
    const w = tf.randomNormal([4, 6, 8], 0, 1, 'float32', 5);
    const erfGelu = (a: tf.Tensor) => tf.mul(tf.mul(a, 0.5), tf.add(tf.erf(tf.mul(a, Math.SQRT1_2)), 1));
    sameGrads(
      () => tf.sum(tf.mul(erfGelu(x), w)),
      () => tf.sum(tf.mul(gelu(x), w)),
      [x],
      'gelu',
    );
    const c = Math.sqrt(2 / Math.PI);
    // In the order `gelu` runs its ops: the order decides how x's gradient terms are summed.
    const tanhGelu = (a: tf.Tensor) => {
      const inner = tf.mul(tf.add(a, tf.mul(tf.pow(a, 3), 0.044715)), c);
      return tf.mul(tf.mul(a, 0.5), tf.add(tf.tanh(inner), 1));
    };
    sameGrads(
      () => tf.sum(tf.mul(tanhGelu(x), w)),
      () => tf.sum(tf.mul(gelu(x, 'tanh'), w)),
      [x],
      'gelu tanh',
    );
    const ln = new LayerNorm(8);
    const plainLn = () => {
      const { mean, variance } = tf.moments(x, [2], true);
      const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
      return tf.add(tf.mul(y, ln.weight!.value), ln.bias!.value);
    };
    const lnVars = [ln.weight!.variable, ln.bias!.variable];
    sameGrads(
      () => tf.sum(tf.mul(plainLn(), w)),
      () => tf.sum(tf.mul(ln.call(x), w)),
      [x, ...lnVars],
      'layer norm',
    );
    ln.dispose();
    tf.dispose([x, w]);
  });

  it('a frozen Linear keeps no activation for the backward pass', async () => {
    setSeed(3);
    const layers = Array.from({ length: 6 }, () => new Linear(64, 64).requiresGrad(false));
    const x = tf.randomNormal([256, 64], 0, 1, 'float32', 6);
    const run = (lean: boolean) => async () =>
      (
        await trackBufferPeak(() => {
          const r = leanGradients(() => {
            let h = x;
            for (const l of layers) h = tf.sin(lean ? l.call(h) : plainLinear(l, h));
            return tf.sum(h);
          }, [x]);
          tf.dispose([r.value, r.grads[0]!]);
        })
      ).peakNewBufferBytes;
    // sin keeps its input either way; the plain form also keeps each matMul input and the
    // un-biased product.
    expect(await run(true)()).toBeLessThan(0.7 * (await run(false)()));
    for (const l of layers) l.dispose();
    x.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { maxRelError, randomArray, valuesOn } from '../testing/cross-backend.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe.each(['cpu', 'wasm'])('gradients through comparison masks on %s', (backend) => {
  const xv = randomArray(24, 1);

  it('tf.where(x > 0, x, 0.3 x) has derivative 1 or 0.3', async () => {
    const [g] = await valuesOn(backend, () => [
      tf.grad((x: tf.Tensor) => tf.sum(tf.where(tf.greater(x, 0), x, tf.mul(x, 0.3))))(tf.tensor1d(xv)),
    ]);
    expect(
      maxRelError(
        g!,
        Array.from(xv, (v) => (v > 0 ? 1 : 0.3)),
      ),
    ).toBeLessThanOrEqual(1e-6);
  });

  it('masks built from less, lessEqual, equal, notEqual and logical ops carry no gradient', async () => {
    const [g] = await valuesOn(backend, () => [
      tf.grad((x: tf.Tensor) => {
        const inBand = tf.logicalAnd(tf.less(x, 1), tf.logicalNot(tf.lessEqual(x, -1)));
        const keep = tf.logicalOr(inBand, tf.equal(x, tf.scalar(5)));
        const mask = tf.cast(tf.logicalAnd(keep, tf.notEqual(x, tf.scalar(0))), 'float32');
        return tf.sum(tf.mul(tf.mul(x, x), mask));
      })(tf.tensor1d(xv)),
    ]);
    expect(
      maxRelError(
        g!,
        Array.from(xv, (v) => (v < 1 && v > -1 ? 2 * v : 0)),
      ),
    ).toBeLessThanOrEqual(1e-6);
  });
});

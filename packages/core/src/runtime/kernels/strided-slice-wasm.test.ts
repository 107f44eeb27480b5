import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

async function sliceOn(backend: string, x: () => tf.Tensor, args: Parameters<typeof tf.stridedSlice>) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = tf.stridedSlice(x(), ...(args.slice(1) as [number[], number[], number[]]));
    return { dtype: out.dtype, shape: out.shape, values: Array.from(out.dataSync()) };
  });
}

describe('StridedSlice on wasm keeps the dtype', () => {
  const strided: Parameters<typeof tf.stridedSlice> = [tf.scalar(0), [1, 0], [5, 7], [2, 3]];

  it('int32, including negative values (NaN bit patterns as float32)', async () => {
    const make = () =>
      tf.tensor2d(
        Int32Array.from({ length: 35 }, (_, i) => (i - 17) * 1000003),
        [5, 7],
        'int32',
      );
    const ref = await sliceOn('cpu', make, strided);
    const got = await sliceOn('wasm', make, strided);
    expect(got).toEqual(ref);
    expect(got.dtype).toBe('int32');
  });

  it('bool', async () => {
    const make = () =>
      tf.tensor2d(
        Array.from({ length: 35 }, (_, i) => i % 3 === 0),
        [5, 7],
        'bool',
      );
    const ref = await sliceOn('cpu', make, strided);
    const got = await sliceOn('wasm', make, strided);
    expect(got).toEqual(ref);
    expect(got.dtype).toBe('bool');
  });

  it('float32 is unchanged', async () => {
    const make = () =>
      tf.tensor2d(
        Float32Array.from({ length: 35 }, (_, i) => i / 7),
        [5, 7],
      );
    expect(await sliceOn('wasm', make, strided)).toEqual(await sliceOn('cpu', make, strided));
  });
});

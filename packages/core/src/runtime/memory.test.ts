import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { assertNoTensorLeak, expectNoLeak, measurePeak, memorySnapshot } from './memory.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('memorySnapshot / assertNoTensorLeak', () => {
  it('counts tensors and bytes', () => {
    const before = memorySnapshot('before');
    const t = tf.zeros([10, 10]);
    const after = memorySnapshot('after');
    expect(after.label).toBe('after');
    expect(after.numTensors - before.numTensors).toBe(1);
    expect(after.numBytes - before.numBytes).toBe(400);
    expect(() => assertNoTensorLeak(before, after, 'zeros')).toThrow(
      /zeros: tensor leak of 1 tensor\(s\) \(\d+ -> \d+, \+400 bytes\)/,
    );
    expect(() => assertNoTensorLeak(before, after, 'zeros', 1)).not.toThrow();
    t.dispose();
    expect(() => assertNoTensorLeak(before, memorySnapshot(), 'disposed')).not.toThrow();
  });
});

describe('expectNoLeak', () => {
  it('detects a deliberate leak and reports the delta', async () => {
    const kept: tf.Tensor[] = [];
    await expect(
      expectNoLeak(() => kept.push(tf.ones([2])), { iterations: 3, context: 'leaky step' }),
    ).rejects.toThrow(/leaky step \(3 iteration\(s\)\): tensor leak of 3 tensor\(s\)/);
    tf.dispose(kept);
  });

  it('passes on a tidy loop, sync or async', async () => {
    const a = tf.randomNormal([8, 8], 0, 1, 'float32', 101);
    await expect(
      expectNoLeak(() => tf.tidy(() => tf.matMul(a, a).sum()).dispose(), { iterations: 5 }),
    ).resolves.toBe(0);
    await expect(
      expectNoLeak(async () => {
        const s = tf.tidy(() => tf.mean(tf.relu(a)));
        await s.data();
        s.dispose();
      }),
    ).resolves.toBe(0);
    a.dispose();
  });

  it('ignores state created once during warm-up, and honours tolerance', async () => {
    let cache: tf.Tensor | undefined;
    await expect(
      expectNoLeak(() => {
        cache ??= tf.zeros([4]);
      }),
    ).resolves.toBe(0);
    cache?.dispose();
    const kept: tf.Tensor[] = [];
    await expect(expectNoLeak(() => kept.push(tf.ones([1])), { iterations: 2, tolerance: 2 })).resolves.toBe(
      2,
    );
    tf.dispose(kept);
  });
});

describe('measurePeak', () => {
  it('sees a large temporary that is freed before fn returns', async () => {
    const { result, peakBytes, peakNewBytes, newTensors } = await measurePeak(() =>
      tf.tidy(() => tf.sum(tf.ones([500, 500]).mul(2))),
    );
    // ones + mul: two 1 MB float32 tensors alive at once.
    expect(peakNewBytes).toBeGreaterThanOrEqual(2 * 500 * 500 * 4);
    expect(peakBytes).toBeGreaterThanOrEqual(peakNewBytes);
    expect(newTensors).toBe(1);
    expect(result.dataSync()[0]).toBe(500 * 500 * 2);
    result.dispose();
  });

  it('handles functions that run no kernel, and async functions', async () => {
    const plain = await measurePeak(() => 42);
    expect(plain.result).toBe(42);
    expect(Number.isFinite(plain.peakBytes)).toBe(true);
    expect(plain.peakNewBytes).toBe(0);
    const asyncRun = await measurePeak(async () => {
      const t = tf.ones([100]);
      const v = await t.data();
      t.dispose();
      return v.length;
    });
    expect(asyncRun.result).toBe(100);
    expect(asyncRun.newTensors).toBe(0);
  });

  it('counts a shared buffer once in peakNewBufferBytes, once per handle in peakNewBytes', async () => {
    const m = await measurePeak(() => {
      const a = tf.ones([250, 1000]); // 1 MB
      const views = [tf.reshape(a, [1000, 250]), tf.reshape(a, [250000]), tf.clone(a)];
      const bytes = tf.memory().numBytes;
      tf.dispose([a, ...views]);
      return bytes;
    });
    expect(m.peakNewBufferBytes).toBe(250 * 1000 * 4);
    // The cpu backend's reshape shares data too; tfjs' counter adds every handle.
    expect(m.peakNewBytes).toBeGreaterThanOrEqual(3 * 250 * 1000 * 4);
  });
});

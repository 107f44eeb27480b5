import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Fresh copies of the backend module and the host, so each test starts without a cached report. */
async function fresh() {
  vi.resetModules();
  const backend = await import('./backend.js');
  const host = await import('../plugin/peftkit-host.js');
  return { ...backend, createPeftkit: host.createPeftkit };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('ensureBackend (lazy initialisation by the public API)', () => {
  it('leaves a backend the caller activated alone', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', undefined);
    await tf.setBackend('cpu');
    const { ensureBackend, getBackendReport, createPeftkit } = await fresh();
    await ensureBackend();
    await createPeftkit();
    expect(tf.getBackend()).toBe('cpu');
    expect(getBackendReport()).toBeUndefined();
  });

  it('createPeftkit initialises the fast backend when nothing chose one', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', undefined);
    // An engine with no active backend, as in a fresh process.
    tf.engine().reset();
    expect((tf.engine() as unknown as { backendName: string | null }).backendName).toBeFalsy();
    const { getBackendReport, createPeftkit } = await fresh();
    await createPeftkit();
    expect(getBackendReport()?.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // The kernel fixes are in place: an embedding gradient runs on wasm (no UnsortedSegmentSum there).
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([0, 2, 2], 'int32'))))(
      tf.ones([3, 2]),
    );
    expect(Array.from(g.dataSync())).toEqual([1, 1, 0, 0, 2, 2]);
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A fresh copy of the module, so each test starts without a cached report. */
async function freshBackendModule() {
  vi.resetModules();
  return import('./backend.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('initBackend', () => {
  it('selects wasm by default here, listing the tfjs-node packages it skipped', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', undefined);
    vi.stubEnv('PEFTKIT_NATIVE', undefined);
    const { initBackend, getBackendReport } = await freshBackendModule();
    expect(getBackendReport()).toBeUndefined();
    const report = await initBackend();
    expect(report.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.requested).toBeNull();
    expect(report.skipped).toEqual([
      { backend: 'tfjs-node-gpu', reason: 'not installed' },
      { backend: 'tfjs-node', reason: 'not installed' },
    ]);
    expect(report.reason).toContain('tfjs-node-gpu');
    expect(typeof report.simd).toBe('boolean');
    expect(report.threads).toBe(false);
    expect(report.tfjsVersion).toBe(tf.version.tfjs);
    expect(report.fixes).toEqual(
      expect.arrayContaining([
        'UnsortedSegmentSum@wasm',
        'UnsortedSegmentSum@cpu',
        'MaxPoolGrad@wasm',
        'gradient:BatchMatMul',
      ]),
    );
    expect(report.nativeMatMul).toMatchObject({ enabled: true, onnxruntimeVersion: '1.30.0' });
    expect(report.fixes).toContain('_FusedMatMul@wasm');
    expect(getBackendReport()).toBe(report);
  });

  it('PEFTKIT_NATIVE=0 keeps matMul on wasm and lists onnxruntime-node as skipped, with why', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', 'wasm');
    vi.stubEnv('PEFTKIT_NATIVE', '0');
    const { initBackend } = await freshBackendModule();
    const report = await initBackend();
    expect(report.backend).toBe('wasm');
    expect(report.nativeMatMul).toEqual({
      enabled: false,
      threads: 0,
      onnxruntimeVersion: null,
      reason: 'PEFTKIT_NATIVE=0',
    });
    expect(report.skipped).toEqual([
      { backend: 'onnxruntime-node', reason: 'native matMul: PEFTKIT_NATIVE=0' },
    ]);
  });

  it('is idempotent and serialises concurrent calls', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', undefined);
    const { initBackend } = await freshBackendModule();
    const [a, b] = await Promise.all([initBackend(), initBackend()]);
    expect(a).toBe(b);
    expect(await initBackend()).toBe(a);
  });

  it('PEFTKIT_BACKEND=cpu selects cpu', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', 'cpu');
    const { initBackend } = await freshBackendModule();
    const report = await initBackend();
    expect(report.backend).toBe('cpu');
    expect(report.requested).toBe('cpu');
    expect(report.reason).toBe('PEFTKIT_BACKEND=cpu');
    expect(report.simd).toBe(false);
    expect(report.skipped).toEqual([]);
    expect(report.nativeMatMul).toBeNull();
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown PEFTKIT_BACKEND value, naming the variable and the allowed values', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', 'webgpu');
    const { initBackend } = await freshBackendModule();
    await expect(initBackend()).rejects.toThrow(/PEFTKIT_BACKEND='webgpu'.*tensorflow, wasm, cpu/);
  });

  it('refuses to fall back when tensorflow is requested but unavailable', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', 'tensorflow');
    const { initBackend, getBackendReport } = await freshBackendModule();
    await expect(initBackend()).rejects.toThrow(
      /PEFTKIT_BACKEND requested backend 'tensorflow'.*tfjs-node.*not installed/,
    );
    expect(getBackendReport()).toBeUndefined();
  });

  it('lets options.prefer override the env var, and switches on a different explicit request', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', 'cpu');
    const { initBackend } = await freshBackendModule();
    const wasm = await initBackend({ prefer: 'wasm' });
    expect(wasm.backend).toBe('wasm');
    expect(wasm.reason).toBe('options.prefer=wasm');
    const cpu = await initBackend({ prefer: 'cpu' });
    expect(cpu.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    // The env var (cpu) matches the cached report: nothing to switch.
    expect(await initBackend()).toBe(cpu);
  });

  it('re-activates the reported backend if something switched away', async () => {
    vi.stubEnv('PEFTKIT_BACKEND', undefined);
    const { initBackend } = await freshBackendModule();
    const report = await initBackend();
    await tf.setBackend('cpu');
    expect(await initBackend()).toBe(report);
    expect(tf.getBackend()).toBe(report.backend);
  });

  it('rejects an invalid prefer option', async () => {
    const { initBackend } = await freshBackendModule();
    // Simulates a JavaScript caller passing an unchecked string.
    const prefer = JSON.parse('"gpu"') as 'cpu';
    await expect(initBackend({ prefer })).rejects.toThrow(/prefer must be one of tensorflow, wasm, cpu/);
  });
});

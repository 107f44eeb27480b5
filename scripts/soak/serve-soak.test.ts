import { initBackend } from '@peftkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { serveSoak } from './serve-soak.js';

/** The short in-suite version of `pnpm soak serve` (docs/serving.md has the 5-minute figures). */
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'wasm';
  await initBackend();
});

describe('serve soak (short)', () => {
  it('random predict/load/unload traffic: no errors, the same tensor count at each checkpoint', async () => {
    const r = await serveSoak({ seconds: 6, checkpoints: 2, clients: 4, seed: 3 });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.samples).toHaveLength(3);
    expect(r.tensorGrowth).toBe(0);
    expect(new Set(r.samples.map((s) => s.adaptersLoaded)).size).toBe(1);
    // Every kind of operation ran, and hot loads really loaded.
    const kinds = Object.keys(r.operations).map((k) => k.split(' ')[0]);
    expect(new Set(kinds)).toEqual(new Set(['predict', 'predict-mixed', 'load', 'unload']));
    expect(r.operations['load 201']).toBeGreaterThan(0);
    expect(r.rssGrowthMB).toBeLessThan(64);
  });
});

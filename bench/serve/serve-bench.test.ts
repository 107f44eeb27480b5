import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchServe, removeScratch } from './serve-bench.js';

/** `pnpm bench serve --quick` in CI: the real servers and autocannon, a few dozen requests each. */
let dir: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'wasm';
  await initBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-bench-serve-test-'));
});
afterAll(async () => {
  await removeScratch(dir);
});

describe('bench serve (quick)', () => {
  it('loads single, mixed and merged servers with zero errors, flat tensors, and times hot loads', async () => {
    const r = await benchServe({
      dir,
      adapters: 8,
      connections: 4,
      requests: 24,
      rounds: 1,
      maxSecondsPerScenario: 30,
      batchWindowMs: 5,
      maxBatch: 32,
      hotLoads: 2,
    });
    expect(r.failures).toEqual([]);
    expect(r.scenarios.map((s) => s.scenario)).toEqual(['single', 'mixed', 'merged']);
    for (const s of r.scenarios) {
      expect(s.rounds[0]?.requests).toBe(24);
      expect(s.errors).toBe(0);
      expect(s.after.tensors).toBe(s.before.tensors);
      expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
      expect(s.requestsPerSecond).toBeGreaterThan(0);
    }
    // The merged model holds no adapter tensors: fewer live tensors than the 8-adapter server.
    const [single, , merged] = r.scenarios;
    expect(merged?.before.tensors).toBeLessThan(single?.before.tensors ?? 0);
    expect(r.hotLoad.serverMs).toHaveLength(2);
    expect(r.hotLoad.roundTripMs).toHaveLength(2);
  });
});

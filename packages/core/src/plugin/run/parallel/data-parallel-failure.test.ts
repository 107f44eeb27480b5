import { afterAll, beforeAll, expect, it } from 'vitest';
import { ToyRuns } from './testing/toy-runs.js';

let runs: ToyRuns;
beforeAll(async () => {
  runs = await ToyRuns.create();
});
afterAll(() => runs.dispose());

it("a worker that throws fails the run with the worker's message, without hanging", async () => {
  const t0 = performance.now();
  await expect(runs.train({ training: { workers: 2 }, head: { id: 'toy-fail/classify' } })).rejects.toThrow(
    /training\.workers: worker 1: step 1 failed: toy-fail: this head refuses to run in a worker/,
  );
  // Well before the 10-minute barrier timeout: the error ended the wait.
  expect(performance.now() - t0).toBeLessThan(60_000);
  // The same run in one thread trains: the failure is the worker's.
  const one = await runs.train({ training: { workers: 1 }, head: { id: 'toy-fail/classify' } });
  expect(one.result.status).toBe('complete');
});

it('refuses plugins that were not loaded from a module file', async () => {
  const { createPeftkit } = await import('../../peftkit-host.js');
  const { toyPlugin } = await import('../../testing/toy-plugin.js');
  const { resolveRunConfig } = await import('../../run-config/resolve.js');
  const { trainRun } = await import('../train-run.js');
  const host = await createPeftkit({ plugins: [toyPlugin] });
  const config = resolveRunConfig({
    preset: host.presets.get('toy/basic'),
    layers: [{ name: 'test', value: { training: { workers: 2 } } }],
  }).config;
  await expect(
    trainRun(host, { config, outDir: `${runs.dir}/no-source`, progress: 'none', log: () => undefined }),
  ).rejects.toThrow(/plugin 'toy' was not loaded from a module file/);
});

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runToyCli } from '../../../cli/testing/toy-cli.js';
import { ToyRuns, worstRelativeDifference } from './testing/toy-runs.js';

// LoRA with training.workers: 2 against the same run in one thread: same global batches and seed,
// so the trained weights may differ only by float summation order.
let runs: ToyRuns;
beforeAll(async () => {
  runs = await ToyRuns.create();
});
afterAll(() => runs.dispose());

it('LoRA: 2 workers train to the weights of one thread; main-thread tensors stay flat', async () => {
  const one = await runs.train({ training: { workers: 1 } });
  const two = await runs.train({ training: { workers: 2 } });
  expect(one.result.summary.workers).toBe(1);
  expect(two.result.summary.workers).toBe(2);
  expect(two.result.summary.steps).toBe(4);
  expect([...two.weights.keys()].some((k) => k.includes('lora_B'))).toBe(true);
  expect(worstRelativeDifference(one.weights, two.weights)).toBeLessThan(1e-5);
  expect(two.result.summary.finalTrainLoss).toBeCloseTo(one.result.summary.finalTrainLoss as number, 5);
  // Nothing of the exchange stays behind in the main thread: the counts match one thread's.
  expect(two.tensors).toEqual(one.tensors);
  expect(two.tensors).toHaveLength(4);
});

it('peftkit train --workers 2 trains with two replicas and says so', async () => {
  const pluginFile = fileURLToPath(new URL('../../testing/toy-plugin-module.ts', import.meta.url));
  const out = path.join(runs.dir, 'cli');
  const r = await runToyCli(
    ['--plugin', pluginFile, 'train', '--preset', 'toy/basic', '--workers', '2', '--out', out, '--json'],
    [],
  );
  expect(r.stderr).toMatch(/workers: 2 \(as configured\): the main thread and 1 worker thread/);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).summary.workers).toBe(2);
  const bad = await runToyCli(['train', '--preset', 'toy/basic', '--workers', 'many']);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/--workers.*must be 'auto' or a positive integer/);
});

it("AdaLoRA: the workers' shards carry its regulariser and rank 0 prunes, so 2 workers match one thread", async () => {
  const peft = {
    peftType: 'ADALORA',
    initR: 4,
    targetR: 2,
    tinit: 1,
    tfinal: 1,
    deltaT: 1,
    orthRegWeight: 0.5,
    targetRoles: ['ffn.up'],
  };
  const one = await runs.train({ peft, training: { workers: 1 } });
  const two = await runs.train({ peft, training: { workers: 2 } });
  expect(two.result.summary.workers).toBe(2);
  const e = [...two.weights.entries()].find(([k]) => k.includes('lora_E'));
  expect(e).toBeDefined();
  // Pruning ran: some singular values were masked to exactly zero.
  expect(Array.from(e?.[1] ?? []).some((v) => v === 0)).toBe(true);
  expect(worstRelativeDifference(one.weights, two.weights)).toBeLessThan(1e-5);
  expect(two.result.summary.finalTrainLoss).toBeCloseTo(one.result.summary.finalTrainLoss as number, 5);
});

import { afterAll, beforeAll, expect, it } from 'vitest';
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

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ToyRuns, worstRelativeDifference } from './testing/toy-runs.js';

// Full fine-tuning with training.workers: 2, on batches that do not split evenly, with gradient
// accumulation: the weights equal one thread's up to float summation order.
let runs: ToyRuns;
beforeAll(async () => {
  runs = await ToyRuns.create();
});
afterAll(() => runs.dispose());

it('full fine-tuning, uneven shards, a one-example epoch tail and accumulation', async () => {
  // toy:48 keeps 41 training rows: batches of 5 split 3 + 2, and each epoch ends with a batch of
  // one example, which leaves the worker without a shard. 9 micro-batches in groups of 2 make 5
  // optimizer steps per epoch (the last from one micro-batch).
  const training = { batchSize: 5, gradientAccumulation: 2, epochs: 2, maxSteps: 1000 };
  const data = { train: 'toy:48', evalFraction: 0.15 };
  const one = await runs.train({ training: { ...training, workers: 1 }, data, peft: 'full' });
  const two = await runs.train({ training: { ...training, workers: 2 }, data, peft: 'full' });
  expect(one.result.summary.steps).toBe(10);
  expect(two.result.summary.steps).toBe(10);
  expect(two.result.summary.workers).toBe(2);
  expect([...two.weights.keys()]).toContain('body.input.weight');
  expect(worstRelativeDifference(one.weights, two.weights)).toBeLessThan(1e-5);
  expect(two.tensors).toEqual(one.tensors);
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ToyRuns, worstRelativeDifference } from './testing/toy-runs.js';

let runs: ToyRuns;
beforeAll(async () => {
  runs = await ToyRuns.create();
});
afterAll(() => runs.dispose());

it('a run interrupted and resumed with 2 workers ends where one uninterrupted thread does', async () => {
  const one = await runs.train({ training: { workers: 1 } });
  const first = await runs.train({ training: { workers: 2 }, stopAfter: 2 });
  expect(first.result.status).toBe('interrupted');
  expect(first.result.summary.steps).toBe(2);
  const resumed = await runs.train({ training: { workers: 2 }, resumeOf: first.out });
  expect(resumed.result.status).toBe('complete');
  expect(resumed.result.summary.resumedFromStep).toBe(2);
  expect(resumed.result.summary.steps).toBe(4);
  expect(worstRelativeDifference(one.weights, resumed.weights)).toBeLessThan(1e-5);
});

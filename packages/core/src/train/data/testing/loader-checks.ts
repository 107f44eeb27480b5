import { expect } from 'vitest';
import type { DataLoader } from '../data-loader.js';

/** The next epoch's batches of `loader`, stopping after `stopAfter` batches (a run killed mid-epoch). */
export async function takeBatches<E, B>(
  loader: DataLoader<E, B>,
  stopAfter = Number.POSITIVE_INFINITY,
): Promise<B[]> {
  const batches: B[] = [];
  for await (const b of loader) {
    batches.push(b);
    if (batches.length === stopAfter) break;
  }
  return batches;
}

/**
 * Asserts the order of `makeLoader()`'s batches is a function of (seed, epoch) only: a loader
 * stopped after `stopAt` batches of its second epoch, saved and restored into a fresh loader,
 * replays exactly the batches an uninterrupted loader gives, and so does `epochBatches(1, stopAt)`.
 */
export async function expectMidEpochResumeReplays<E, B>(
  makeLoader: () => DataLoader<E, B>,
  stopAt: number,
): Promise<void> {
  const straight = makeLoader();
  const reference = [await takeBatches(straight), await takeBatches(straight)];

  const interrupted = makeLoader();
  const first = await takeBatches(interrupted);
  const partial = await takeBatches(interrupted, stopAt);
  const state = interrupted.getState();
  expect(state).toMatchObject({ epoch: 1, position: stopAt });

  const resumed = makeLoader();
  resumed.setState(state);
  const rest = await takeBatches(resumed);
  expect(first).toEqual(reference[0]);
  expect([...partial, ...rest]).toEqual(reference[1]);
  // The stateless form agrees too (prefetch and resume never change the order).
  const again: B[] = [];
  for await (const b of makeLoader().epochBatches(1, stopAt)) again.push(b);
  expect(again).toEqual(rest);
}

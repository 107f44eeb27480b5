import { beforeAll, describe, expect, it } from 'vitest';
import { trainSoak } from './train-soak.js';

/** The short in-suite version of `pnpm soak`'s long run (docs/reliability.md has the full figures). */
beforeAll(() => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
});

describe('train soak (short)', () => {
  it('keeps the live tensor count flat and RSS bounded over 150 steps with evals and checkpoints', async () => {
    const r = await trainSoak({ steps: 150, sampleEvery: 20, warmupSteps: 30, evalEvery: 50 });
    expect(r.steps).toBe(150);
    // Samples at every multiple of 20 from warmup (30) on: steps 40, 60, ..., 140.
    expect(r.samples.length).toBe(6);
    expect(r.tensorGrowth).toBe(0);
    expect(r.rssGrowthMB).toBeLessThan(32);
  });
});

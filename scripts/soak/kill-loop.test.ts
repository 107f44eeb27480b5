import { describe, expect, it } from 'vitest';
import { COMPARED_FILES, killLoop } from './kill-loop.js';

/** The short in-suite version of `pnpm soak`'s kill -9 loop: one kill, one resume. */
describe('kill -9 loop (short)', () => {
  it('a run killed mid-training and resumed ends byte-identical to an uninterrupted one', async () => {
    const r = await killLoop({ steps: 12, kills: 1, seed: 7, checkpointEvery: 3 });
    expect(r.killedAfter).toHaveLength(1);
    expect(r.restarts).toHaveLength(1);
    expect(r.identical).toEqual(Object.fromEntries(COMPARED_FILES.map((f) => [f, true])));
  }, 60_000);
});

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkerPool } from './worker-pool.js';

describe('WorkerPool', () => {
  it('hands a free worker the waiting job of highest priority, first come first served among equals', async () => {
    const pool = new WorkerPool<{ name: string; ms: number }, string>({
      entry: fileURLToPath(new URL('./testing/sleep-worker.ts', import.meta.url)),
      workers: 1,
      log: () => {},
    });
    const finished: string[] = [];
    const run = (name: string, priority?: number, ms = 10) =>
      pool.run({ name, ms }, priority).then((n) => {
        finished.push(n);
      });
    try {
      // The one worker is busy with `first` while the others queue up.
      const jobs = [
        run('first', 0, 300),
        run('low'),
        run('high', 5),
        run('low-2'),
        run('mid', 1),
        run('high-2', 5),
      ];
      await Promise.all(jobs);
      expect(finished).toEqual(['first', 'high', 'high-2', 'mid', 'low', 'low-2']);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

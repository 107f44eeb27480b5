import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy, encodeNpz, fuzzSettings, Rng } from '@peftkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { EpisodeSet } from './episode.js';
import { readJsonlEpisodes } from './jsonl-episodes.js';
import { readLeRobotDataset } from './lerobot-dataset.js';
import { readNpzEpisodes } from './npz-episodes.js';
import { readRobomimicHdf5 } from './robomimic-hdf5.js';

const testData = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-data');
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'episodes-fuzz-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

/** Seeded damage: a truncation, or a few flipped bytes. */
function damage(bytes: Uint8Array, rng: Rng, trial: number): Uint8Array {
  if (trial % 2 === 0) return bytes.slice(0, Math.floor(rng.next() * bytes.length));
  const out = bytes.slice();
  for (let k = 0; k < 4; k++) {
    const i = Math.floor(rng.next() * out.length);
    out[i] = (out[i] as number) ^ (1 + Math.floor(rng.next() * 255));
  }
  return out;
}

/**
 * A damaged file either reads (a flip may hit padding or a value) into well-formed episodes, or
 * fails with an ordinary Error whose message names the file: never a crash, a hang or a foreign
 * exception type.
 */
async function expectNamedErrorOrEpisodes(read: () => Promise<EpisodeSet>, name: string): Promise<boolean> {
  try {
    const set = await read();
    for (const ep of set.episodes) {
      for (const values of Object.values(ep.features)) expect(values.length % ep.length).toBe(0);
    }
    return false;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(name);
    return true;
  }
}

describe('episode readers on damaged files', () => {
  it('robomimic HDF5, npz and JSONL: 12 seeded damages each', async () => {
    const { seed, numRuns } = fuzzSettings({ seed: 11, runs: 12 });
    const rng = new Rng(seed);
    const h5 = new Uint8Array(await fs.readFile(path.join(testData, 'robomimic-tiny.hdf5')));
    const npz = encodeNpz({
      obs: encodeNpy('<f4', [4, 2], [0, 1, 2, 3, 4, 5, 6, 7]),
      actions: encodeNpy('<f4', [4, 1], [1, 2, 3, 4]),
      episode_ends: encodeNpy('<i8', [2], [2, 4]),
    });
    const jsonl = new TextEncoder().encode(
      Array.from({ length: 6 }, (_, t) =>
        JSON.stringify({ episode_index: t % 2, 'observation.state': [t, -t], action: [t / 2] }),
      ).join('\n'),
    );
    const failedTruncations: Record<string, number> = { h5: 0, npz: 0 };
    for (let trial = 0; trial < numRuns; trial++) {
      const files = [
        ['h5', h5, (f: string) => readRobomimicHdf5(f)],
        ['npz', npz, (f: string) => readNpzEpisodes(f)],
        ['jsonl', jsonl, (f: string) => readJsonlEpisodes(f)],
      ] as const;
      for (const [ext, bytes, read] of files) {
        const name = `damaged-${trial}.${ext}`;
        const file = path.join(tmp, name);
        await fs.writeFile(file, damage(bytes, rng, trial));
        const failed = await expectNamedErrorOrEpisodes(() => read(file), name);
        if (failed && trial % 2 === 0 && ext in failedTruncations)
          failedTruncations[ext] = (failedTruncations[ext] ?? 0) + 1;
      }
    }
    // A truncated HDF5 file or zip archive is never readable.
    const truncations = Math.ceil(numRuns / 2);
    expect(failedTruncations).toEqual({ h5: truncations, npz: truncations });
  });

  it('LeRobot v3 dataset: damaged data parquet files', async () => {
    const { seed, numRuns } = fuzzSettings({ seed: 5, runs: 8 });
    const rng = new Rng(seed);
    const source = path.join(testData, 'lerobot-v3-tiny');
    const parquet = new Uint8Array(
      await fs.readFile(path.join(source, 'data', 'chunk-000', 'file-000.parquet')),
    );
    for (let trial = 0; trial < numRuns; trial++) {
      const dir = path.join(tmp, `lerobot-${trial}`);
      await fs.cp(source, dir, { recursive: true });
      await fs.writeFile(
        path.join(dir, 'data', 'chunk-000', 'file-000.parquet'),
        damage(parquet, rng, trial),
      );
      // Damage can send the parquet decoder into an endless loop: it is stopped after 10 s.
      const failed = await expectNamedErrorOrEpisodes(
        () => readLeRobotDataset(dir, { decodeSeconds: 10 }),
        `lerobot-${trial}`,
      );
      if (trial % 2 === 0) expect(failed).toBe(true);
    }
  });
});

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_INPUT_LIMITS,
  InputLimitError,
  PathOutsideRootError,
  Rng,
  resolveInputLimits,
} from '@peftkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonlEpisodes } from './jsonl-episodes.js';
import { readLeRobotDataset } from './lerobot-dataset.js';
import { readParquetRows } from './parquet-rows.js';
import { readRobomimicHdf5 } from './robomimic-hdf5.js';

const testData = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-data');
const lerobot = path.join(testData, 'lerobot-v3-tiny');
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'robotics-hostile-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

async function limitOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputLimitError);
  return `${(err as InputLimitError).limit}: ${(err as Error).message}`;
}

describe('robotics readers within input limits', () => {
  it('parquet: the uncompressed size and value count the footer declares are checked before decoding', async () => {
    const file = path.join(lerobot, 'data', 'chunk-000', 'file-000.parquet');
    const { rows } = await readParquetRows(file, undefined);
    expect(rows.length).toBeGreaterThan(0);
    expect(
      await limitOf(readParquetRows(file, undefined, resolveInputLimits({ maxInflatedBytes: 100 }))),
    ).toMatch(
      /^maxInflatedBytes: .*file-000\.parquet: its columns declare an uncompressed size of .* over limits\.maxInflatedBytes \(100 bytes\)/,
    );
    expect(
      await limitOf(readParquetRows(file, undefined, resolveInputLimits({ maxArrayBytes: 64 }))),
    ).toMatch(/^maxArrayBytes: .*file-000\.parquet: its \d+ column values need/);
    expect(
      await limitOf(readParquetRows(file, undefined, resolveInputLimits({ maxFileBytes: 100 }))),
    ).toMatch(/^maxFileBytes: .*file-000\.parquet holds/);
  });

  it('HDF5: each dataset is checked against maxArrayBytes from its shape before it is read', async () => {
    const file = path.join(testData, 'robomimic-tiny.hdf5');
    expect((await readRobomimicHdf5(file)).episodes.length).toBeGreaterThan(0);
    expect(
      await limitOf(readRobomimicHdf5(file, { limits: resolveInputLimits({ maxArrayBytes: 16 }) })),
    ).toMatch(/^maxArrayBytes: .*robomimic-tiny\.hdf5: demo_\d+\/actions \(shape \[\d+, \d+\]\) needs/);
  });

  it('JSONL: nesting depth is bounded per line', async () => {
    const file = path.join(tmp, 'deep.jsonl');
    const deep = `${'['.repeat(80)}1${']'.repeat(80)}`;
    await fs.writeFile(
      file,
      `{"episode_index": 0, "action": [1]}\n{"episode_index": 0, "action": ${deep}}\n`,
    );
    expect(await limitOf(readJsonlEpisodes(file))).toMatch(
      /^maxJsonDepth: .*deep\.jsonl:2: nesting depth reaches 65/,
    );
  });

  it('LeRobot: a data file that is a symlink leading outside the dataset is refused unless allowed', async () => {
    const dir = path.join(tmp, 'linked');
    await fs.cp(lerobot, dir, { recursive: true });
    const data = path.join(dir, 'data', 'chunk-000', 'file-000.parquet');
    const elsewhere = path.join(tmp, 'elsewhere.parquet');
    await fs.rename(data, elsewhere);
    await fs.symlink(elsewhere, data);
    await expect(readLeRobotDataset(dir)).rejects.toThrow(PathOutsideRootError);
    expect((await readLeRobotDataset(dir, { allowOutsideRoot: true })).episodes.length).toBeGreaterThan(0);
  });

  it('parquet: a damaged page that sends the decoder into an endless loop is stopped after decodeSeconds', async () => {
    // Four byte flips found by the seeded fuzz test (seed 1000): hyparquet then loops forever
    // decoding the 'action' column. Decoding runs in a worker thread, so it can be stopped.
    const bytes = new Uint8Array(
      await fs.readFile(path.join(lerobot, 'data', 'chunk-000', 'file-000.parquet')),
    );
    const rng = new Rng(1000);
    rng.next();
    for (let k = 0; k < 4; k++) {
      const i = Math.floor(rng.next() * bytes.length);
      bytes[i] = (bytes[i] as number) ^ (1 + Math.floor(rng.next() * 255));
    }
    const file = path.join(tmp, 'loops.parquet');
    await fs.writeFile(file, bytes);
    const t0 = Date.now();
    await expect(readParquetRows(file, ['action'], DEFAULT_INPUT_LIMITS, 2)).rejects.toThrow(
      /loops\.parquet: decoding did not finish within 2 s \(a damaged file\?\)/,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    // The undamaged columns of the same file still decode.
    expect((await readParquetRows(file, ['episode_index'], DEFAULT_INPUT_LIMITS, 20)).rows).toHaveLength(24);
  });
});

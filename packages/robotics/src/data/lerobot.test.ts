import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeFeatureStats } from './feature-stats.js';
import { readLeRobotDataset } from './lerobot-dataset.js';
import { writeLeRobotDataset } from './lerobot-writer.js';
import { parquetDecodeThreadStarts } from './parquet-decode-thread.js';
import { syntheticEpisodes } from './testing/synthetic-episodes.js';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lerobot-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('LeRobot reads', () => {
  it('decode every file of a v2.1 folder on one shared thread, reads after reads too', async () => {
    const set = syntheticEpisodes(12, 5);
    const dir = path.join(tmp, 'many-files');
    await writeLeRobotDataset(dir, set, { version: 'v2.1' });
    expect(await fs.readdir(path.join(dir, 'data', 'chunk-000'))).toHaveLength(12);
    // The count is per process: a test file before this one in the same worker may have started it.
    const before = parquetDecodeThreadStarts();
    const first = await readLeRobotDataset(dir);
    const started = parquetDecodeThreadStarts();
    const again = await Promise.all([readLeRobotDataset(dir), readLeRobotDataset(dir)]);
    // A thread per file (the old way) would have started 24 more.
    expect(parquetDecodeThreadStarts()).toBe(started);
    expect(started - before).toBeLessThanOrEqual(1);
    for (const back of again) {
      expect(back.episodes.map((e) => e.length)).toEqual(first.episodes.map((e) => e.length));
      expect(back.episodes.map((e) => Array.from(e.features['action']!))).toEqual(
        set.episodes.map((e) => Array.from(e.features['action']!)),
      );
    }
  });
});

describe.each(['v2.1', 'v3.0'] as const)('LeRobot %s', (version) => {
  it('round-trips episodes, tasks, rewards and stats through the folder layout', async () => {
    const set = syntheticEpisodes(3, 9);
    const dir = path.join(tmp, `rt-${version}`);
    await writeLeRobotDataset(dir, set, { version });
    const files = await fs.readdir(path.join(dir, 'data', 'chunk-000'));
    expect(files).toEqual(
      version === 'v2.1'
        ? ['episode_000000.parquet', 'episode_000001.parquet', 'episode_000002.parquet']
        : ['file-000.parquet'],
    );
    const back = await readLeRobotDataset(dir);
    expect(back.fps).toBe(10);
    expect(back.features['observation.state']).toEqual({ dim: 2, names: ['x', 'v'] });
    expect(back.episodes.map((e) => [e.index, e.length, e.task])).toEqual([
      [0, 9, 'reach the origin'],
      [1, 9, 'reach the origin'],
      [2, 9, 'reach the origin'],
    ]);
    for (const [i, ep] of back.episodes.entries()) {
      const orig = set.episodes[i]!;
      expect(Array.from(ep.features['observation.state']!)).toEqual(
        Array.from(orig.features['observation.state']!),
      );
      expect(Array.from(ep.features['action']!)).toEqual(Array.from(orig.features['action']!));
      expect(Array.from(ep.reward!)).toEqual(Array.from(orig.reward!));
      expect(Array.from(ep.done!)).toEqual(Array.from(orig.done!));
    }
    const expected = computeFeatureStats(set.episodes, ['observation.state', 'action']);
    expect(back.stats?.['action']?.mean[0]).toBeCloseTo(expected['action']!.mean[0]!, 6);
    expect(back.stats?.['observation.state']?.std).toHaveLength(2);
    expect(back.skipped).toEqual([]);
  });

  it('refuses to overwrite an existing folder', async () => {
    const dir = path.join(tmp, `exists-${version}`);
    await fs.mkdir(dir);
    await expect(writeLeRobotDataset(dir, syntheticEpisodes(), { version })).rejects.toThrow(
      /already exists/,
    );
  });
});

async function copyDataset(version: 'v2.1' | 'v3.0', name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await writeLeRobotDataset(dir, syntheticEpisodes(2, 6), { version });
  return dir;
}

interface InfoJson {
  codebase_version: string;
  features: Record<string, { dtype: string; shape: number[]; names: unknown }>;
}

async function editInfo(dir: string, edit: (info: InfoJson) => void): Promise<void> {
  const file = path.join(dir, 'meta', 'info.json');
  const info = JSON.parse(await fs.readFile(file, 'utf8')) as InfoJson;
  edit(info);
  await fs.writeFile(file, JSON.stringify(info));
}

describe('readLeRobotDataset errors and skipped features', () => {
  it('reports video/image features as skipped, not silently dropped', async () => {
    const dir = await copyDataset('v2.1', 'video');
    await editInfo(dir, (info) => {
      info.features['observation.images.top'] = {
        dtype: 'video',
        shape: [3, 96, 96],
        names: ['c', 'h', 'w'],
      };
      info.features['observation.pixels'] = { dtype: 'float32', shape: [96, 96], names: null };
    });
    const set = await readLeRobotDataset(dir);
    expect(set.skipped).toEqual([
      { key: 'observation.images.top', reason: 'video' },
      { key: 'observation.pixels', reason: 'shape [96, 96] (only 1-D state features are loaded)' },
    ]);
  });

  it('names the feature when info.json and the data disagree on its shape', async () => {
    const dir = await copyDataset('v3.0', 'shape');
    await editInfo(dir, (info) => {
      info.features['observation.state']!.shape = [3];
    });
    await expect(readLeRobotDataset(dir)).rejects.toThrow(
      /feature 'observation.state' has 2 values per frame, .*info.json declares shape \[3\]/,
    );
  });

  it('names a declared feature missing from a data file', async () => {
    const dir = await copyDataset('v2.1', 'missing');
    await editInfo(dir, (info) => {
      info.features['observation.velocity'] = { dtype: 'float32', shape: [2], names: null };
    });
    await expect(readLeRobotDataset(dir)).rejects.toThrow(
      /episode_000000\.parquet: no column 'observation.velocity'/,
    );
  });

  it('names a truncated parquet file', async () => {
    const dir = await copyDataset('v3.0', 'truncated');
    const file = path.join(dir, 'data', 'chunk-000', 'file-000.parquet');
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readLeRobotDataset(dir)).rejects.toThrow(/file-000\.parquet: not a readable parquet file/);
  });

  it('names an unsupported codebase version', async () => {
    const dir = await copyDataset('v2.1', 'old');
    await editInfo(dir, (info) => {
      info.codebase_version = 'v1.6';
    });
    await expect(readLeRobotDataset(dir)).rejects.toThrow(
      /info\.json: codebase_version 'v1\.6' is not supported/,
    );
  });
});

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeDirAtomic } from '@peftkit/core';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { EpisodeSet, FeatureStats } from './episode.js';
import { computeFeatureStats } from './feature-stats.js';

/** What `writeLeRobotDataset` writes besides the episodes. */
export interface LeRobotWriteOptions {
  /** `v2.1` (one parquet file per episode) or `v3.0` (episodes concatenated per file). Default `v2.1`. */
  readonly version?: 'v2.1' | 'v3.0';
  /** Frames per second (LeRobot requires one); default the set's `fps`, else 30. */
  readonly fps?: number;
  readonly robotType?: string | null;
  /** Replace an existing folder (default false: refuse, so user data is never overwritten). */
  readonly overwrite?: boolean;
}

type SchemaElement = Record<string, unknown>;
interface Column {
  readonly name: string;
  readonly data: unknown[];
  readonly schema: SchemaElement[];
}

const listOf = (name: string): SchemaElement[] => [
  { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
];
const scalar = (name: string, type: string): SchemaElement[] => [{ name, type, repetition_type: 'REQUIRED' }];

function parquet(columns: readonly Column[]): Uint8Array {
  const schema = [{ name: 'schema', num_children: columns.length }, ...columns.flatMap((c) => c.schema)];
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: c.data })),
    schema: schema as never,
  });
  return new Uint8Array(buffer);
}

/**
 * Writes episodes as a LeRobot dataset folder that LeRobot (and `readLeRobotDataset`) can load:
 * `meta/info.json`, `meta/stats.json`, tasks and episode metadata, and parquet step data with
 * `observation.*`/`action` as float lists plus `timestamp`, `frame_index`, `episode_index`,
 * `index`, `task_index` (and `next.reward` / `next.done` when the episodes have them). The folder
 * is built aside and renamed into place.
 *
 * @example await writeLeRobotDataset('data/cartpole-expert', { source: 'expert', fps: 50, features, episodes, skipped: [] });
 */
export async function writeLeRobotDataset(
  dir: string,
  set: EpisodeSet,
  options: LeRobotWriteOptions = {},
): Promise<void> {
  const version = options.version ?? 'v2.1';
  if (!options.overwrite && (await fs.stat(dir).catch(() => undefined))) {
    throw new Error(`${dir} already exists; choose a new folder (or pass overwrite)`);
  }
  if (set.episodes.length === 0) throw new Error(`writeLeRobotDataset(${dir}): no episodes`);
  const fps = options.fps ?? set.fps ?? 30;
  const keys = Object.keys(set.features);
  const taskNames = [...new Set(set.episodes.map((e) => e.task ?? ''))];
  const taskIndex = new Map(taskNames.map((t, i) => [t, i]));
  const hasReward = set.episodes.every((e) => e.reward);
  const hasDone = set.episodes.every((e) => e.done);
  const stats = computeFeatureStats(set.episodes, keys);
  const totalFrames = set.episodes.reduce((n, e) => n + e.length, 0);

  const stepColumns = (episodes: EpisodeSet['episodes'], firstIndex: number): Column[] => {
    const cols: Column[] = [];
    for (const key of keys) {
      const dim = set.features[key]?.dim as number;
      const data: number[][] = [];
      for (const ep of episodes) {
        const v = ep.features[key] as Float32Array;
        for (let t = 0; t < ep.length; t++) data.push(Array.from(v.subarray(t * dim, (t + 1) * dim)));
      }
      cols.push({ name: key, data, schema: listOf(key) });
    }
    const per = <T>(f: (ep: EpisodeSet['episodes'][number], t: number) => T): T[] =>
      episodes.flatMap((ep) => Array.from({ length: ep.length }, (_, t) => f(ep, t)));
    cols.push({ name: 'timestamp', data: per((_, t) => t / fps), schema: scalar('timestamp', 'FLOAT') });
    cols.push({
      name: 'frame_index',
      data: per((_, t) => BigInt(t)),
      schema: scalar('frame_index', 'INT64'),
    });
    cols.push({
      name: 'episode_index',
      data: per((ep) => BigInt(ep.index)),
      schema: scalar('episode_index', 'INT64'),
    });
    let next = firstIndex;
    cols.push({ name: 'index', data: per(() => BigInt(next++)), schema: scalar('index', 'INT64') });
    cols.push({
      name: 'task_index',
      data: per((ep) => BigInt(taskIndex.get(ep.task ?? '') ?? 0)),
      schema: scalar('task_index', 'INT64'),
    });
    if (hasReward)
      cols.push({
        name: 'next.reward',
        data: per((ep, t) => ep.reward?.[t] ?? 0),
        schema: scalar('next.reward', 'FLOAT'),
      });
    if (hasDone)
      cols.push({
        name: 'next.done',
        data: per((ep, t) => (ep.done?.[t] ?? 0) === 1),
        schema: scalar('next.done', 'BOOLEAN'),
      });
    return cols;
  };

  const features: Record<string, unknown> = {};
  for (const key of keys) {
    const spec = set.features[key];
    features[key] = { dtype: 'float32', shape: [spec?.dim], names: spec?.names ?? null };
  }
  features['timestamp'] = { dtype: 'float32', shape: [1], names: null };
  for (const k of ['frame_index', 'episode_index', 'index', 'task_index'])
    features[k] = { dtype: 'int64', shape: [1], names: null };
  if (hasReward) features['next.reward'] = { dtype: 'float32', shape: [1], names: null };
  if (hasDone) features['next.done'] = { dtype: 'bool', shape: [1], names: null };

  const info = {
    codebase_version: version,
    robot_type: options.robotType ?? null,
    total_episodes: set.episodes.length,
    total_frames: totalFrames,
    total_tasks: taskNames.length,
    ...(version === 'v2.1' ? { total_videos: 0, total_chunks: 1 } : {}),
    chunks_size: 1000,
    ...(version === 'v3.0' ? { data_files_size_in_mb: 100, video_files_size_in_mb: 500 } : {}),
    fps,
    splits: { train: `0:${set.episodes.length}` },
    data_path:
      version === 'v2.1'
        ? 'data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet'
        : 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet',
    video_path: null,
    features,
  };
  const statsJson = Object.fromEntries(Object.entries(stats).map(([k, s]) => [k, statsEntry(s)]));

  await writeDirAtomic(dir, async (tmp) => {
    const meta = path.join(tmp, 'meta');
    const chunk = path.join(tmp, 'data', 'chunk-000');
    await fs.mkdir(meta, { recursive: true });
    await fs.mkdir(chunk, { recursive: true });
    await fs.writeFile(path.join(meta, 'info.json'), `${JSON.stringify(info, null, 4)}\n`);
    await fs.writeFile(path.join(meta, 'stats.json'), `${JSON.stringify(statsJson, null, 4)}\n`);
    if (version === 'v2.1') {
      if (set.episodes.length > 1000)
        throw new Error(`writeLeRobotDataset(${dir}): more than 1000 episodes needs several chunks`);
      const lines = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
      await fs.writeFile(
        path.join(meta, 'tasks.jsonl'),
        lines(taskNames.map((task, i) => ({ task_index: i, task }))),
      );
      await fs.writeFile(
        path.join(meta, 'episodes.jsonl'),
        lines(set.episodes.map((e) => ({ episode_index: e.index, tasks: [e.task ?? ''], length: e.length }))),
      );
      await fs.writeFile(
        path.join(meta, 'episodes_stats.jsonl'),
        lines(
          set.episodes.map((e) => ({
            episode_index: e.index,
            stats: Object.fromEntries(
              Object.entries(computeFeatureStats([e], keys)).map(([k, s]) => [k, statsEntry(s)]),
            ),
          })),
        ),
      );
      let first = 0;
      for (const ep of set.episodes) {
        const name = `episode_${String(ep.index).padStart(6, '0')}.parquet`;
        await fs.writeFile(path.join(chunk, name), parquet(stepColumns([ep], first)));
        first += ep.length;
      }
    } else {
      await fs.writeFile(path.join(chunk, 'file-000.parquet'), parquet(stepColumns(set.episodes, 0)));
      await fs.writeFile(
        path.join(meta, 'tasks.parquet'),
        parquet([
          {
            name: 'task_index',
            data: taskNames.map((_, i) => BigInt(i)),
            schema: scalar('task_index', 'INT64'),
          },
          {
            name: 'task',
            data: taskNames,
            schema: [
              { name: 'task', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
            ],
          },
        ]),
      );
      const episodesDir = path.join(meta, 'episodes', 'chunk-000');
      await fs.mkdir(episodesDir, { recursive: true });
      let from = 0;
      const ranges = set.episodes.map((e) => {
        const r = [from, from + e.length] as const;
        from += e.length;
        return r;
      });
      await fs.writeFile(
        path.join(episodesDir, 'file-000.parquet'),
        parquet([
          {
            name: 'episode_index',
            data: set.episodes.map((e) => BigInt(e.index)),
            schema: scalar('episode_index', 'INT64'),
          },
          {
            name: 'length',
            data: set.episodes.map((e) => BigInt(e.length)),
            schema: scalar('length', 'INT64'),
          },
          {
            name: 'data/chunk_index',
            data: set.episodes.map(() => 0n),
            schema: scalar('data/chunk_index', 'INT64'),
          },
          {
            name: 'data/file_index',
            data: set.episodes.map(() => 0n),
            schema: scalar('data/file_index', 'INT64'),
          },
          {
            name: 'dataset_from_index',
            data: ranges.map((r) => BigInt(r[0])),
            schema: scalar('dataset_from_index', 'INT64'),
          },
          {
            name: 'dataset_to_index',
            data: ranges.map((r) => BigInt(r[1])),
            schema: scalar('dataset_to_index', 'INT64'),
          },
        ]),
      );
    }
  });
}

function statsEntry(s: FeatureStats) {
  return { mean: s.mean, std: s.std, min: s.min, max: s.max, count: [s.count] };
}

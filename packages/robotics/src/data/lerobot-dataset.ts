import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { assertRealInside, type InputLimits, readJsonObject } from '@peftkit/core';
import type { EpisodeSet, FeatureSpec, SkippedFeature } from './episode.js';
import { EpisodeBuilder } from './episode-builder.js';
import { parseFeatureStats } from './feature-stats.js';
import { readParquetRows } from './parquet-rows.js';

/** LeRobot dataset versions this reader understands (`meta/info.json` `codebase_version`). */
export const LEROBOT_VERSIONS = ['v2.0', 'v2.1', 'v3.0'] as const;

const NUMERIC = new Set([
  'float32',
  'float64',
  'float16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
]);
const BOOKKEEPING = ['episode_index', 'frame_index', 'index', 'timestamp', 'task_index'];

/** What `readLeRobotDataset` reads besides the folder. */
export interface LeRobotReadOptions {
  /** Episode indices to load (default all). */
  readonly episodes?: readonly number[] | undefined;
  readonly maxFrames?: number | undefined;
  /** Input limits for the parquet files (default `DEFAULT_INPUT_LIMITS`). */
  readonly limits?: InputLimits | undefined;
  /** Let data files be symlinks leading outside `dir` (`data.allowOutsideRoot`). */
  readonly allowOutsideRoot?: boolean | undefined;
  /** Longest one parquet file may take to decode (default `DEFAULT_PARQUET_DECODE_SECONDS`). */
  readonly decodeSeconds?: number | undefined;
}

interface InfoFeature {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly names?: unknown;
}

/** True when `dir` looks like a LeRobot dataset (has `meta/info.json`). */
export async function isLeRobotDataset(dir: string): Promise<boolean> {
  return fs.stat(path.join(dir, 'meta', 'info.json')).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Reads a LeRobot dataset folder (v2.x: `data/chunk-*\/episode_*.parquet` + `meta/episodes.jsonl`
 * + `meta/tasks.jsonl`; v3.0: `data/chunk-*\/file-*.parquet` holding many episodes +
 * `meta/tasks.parquet`), state features only: numeric features with a 1-D shape are loaded,
 * `video`/`image`/`string` features are listed in `skipped`. `meta/stats.json` statistics come
 * along for the loaded features. Errors name the file and the feature.
 *
 * @example const set = await readLeRobotDataset('datasets/pusht'); set.features['action'].dim
 */
export async function readLeRobotDataset(dir: string, options: LeRobotReadOptions = {}): Promise<EpisodeSet> {
  const infoFile = path.join(dir, 'meta', 'info.json');
  const info = await readJsonObject(infoFile);
  const version = String(info['codebase_version'] ?? '');
  if (!(LEROBOT_VERSIONS as readonly string[]).includes(version)) {
    throw new Error(
      `${infoFile}: codebase_version '${version}' is not supported (supported: ${LEROBOT_VERSIONS.join(', ')})`,
    );
  }
  const rawFeatures = info['features'];
  if (!rawFeatures || typeof rawFeatures !== 'object')
    throw new Error(`${infoFile}: 'features' must be an object`);
  const features: Record<string, FeatureSpec> = {};
  const skipped: SkippedFeature[] = [];
  for (const [key, value] of Object.entries(rawFeatures as Record<string, InfoFeature>)) {
    if (BOOKKEEPING.includes(key)) continue;
    const dtype = String(value?.dtype);
    const shape = Array.isArray(value?.shape) ? value.shape : [];
    if (!NUMERIC.has(dtype)) {
      skipped.push({ key, reason: dtype });
      continue;
    }
    if (shape.length !== 1 || !Number.isInteger(shape[0]) || (shape[0] as number) < 1) {
      skipped.push({ key, reason: `shape [${shape.join(', ')}] (only 1-D state features are loaded)` });
      continue;
    }
    const names = componentNames(value.names);
    features[key] = { dim: shape[0] as number, ...(names?.length === shape[0] ? { names } : {}) };
  }
  const fps = typeof info['fps'] === 'number' ? info['fps'] : undefined;
  const tasks = await readTasks(dir, version);
  const files = await dataFiles(dir);
  for (const f of files) assertRealInside(dir, f, f, { allowOutsideRoot: options.allowOutsideRoot });
  if (files.length === 0) throw new Error(`${dir}: no parquet files under data/chunk-*/`);
  const wanted = options.episodes ? new Set(options.episodes) : undefined;
  const builder = new EpisodeBuilder({
    source: dir,
    tasks,
    keep: (k) => k in features,
    maxFrames: options.maxFrames,
  });
  const columns = [
    ...BOOKKEEPING,
    'task',
    'next.reward',
    'next.done',
    'reward',
    'done',
    ...Object.keys(features),
  ];
  for (const file of files) {
    const { rows, columns: present } = await readParquetRows(
      file,
      columns,
      options.limits,
      options.decodeSeconds,
    );
    for (const key of Object.keys(features)) {
      if (!present.includes(key)) throw new Error(`${file}: no column '${key}' (declared in ${infoFile})`);
    }
    rows.forEach((row, i) => {
      const ep = Number(row['episode_index']);
      if (wanted && !wanted.has(ep)) return;
      builder.add(row, `${file}: row ${i}`);
    });
  }
  const built = builder.finish();
  for (const [key, spec] of Object.entries(built.features)) {
    const declared = features[key];
    if (declared && declared.dim !== spec.dim) {
      throw new Error(
        `${dir}: feature '${key}' has ${spec.dim} values per frame, ${infoFile} declares shape [${declared.dim}]`,
      );
    }
  }
  const statsFile = path.join(dir, 'meta', 'stats.json');
  const statsJson = await fs.readFile(statsFile, 'utf8').then(
    (t) => JSON.parse(t) as unknown,
    () => undefined,
  );
  const dims = Object.fromEntries(Object.entries(features).map(([k, f]) => [k, f.dim]));
  const stats =
    statsJson === undefined
      ? undefined
      : parseFeatureStats(statsJson, Object.keys(features), dims, statsFile);
  return { source: dir, fps, features, episodes: built.episodes, skipped, stats };
}

function componentNames(names: unknown): string[] | undefined {
  if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names as string[];
  if (names && typeof names === 'object') {
    const lists = Object.values(names as Record<string, unknown>);
    if (lists.length === 1 && Array.isArray(lists[0])) return (lists[0] as unknown[]).map(String);
  }
  return undefined;
}

/** Every parquet file under `data/chunk-*`, in name order. */
async function dataFiles(dir: string): Promise<string[]> {
  const dataDir = path.join(dir, 'data');
  const chunks = (await fs.readdir(dataDir).catch(() => [] as string[]))
    .filter((c) => c.startsWith('chunk-'))
    .sort();
  const out: string[] = [];
  for (const chunk of chunks) {
    const names = (await fs.readdir(path.join(dataDir, chunk))).filter((n) => n.endsWith('.parquet')).sort();
    out.push(...names.map((n) => path.join(dataDir, chunk, n)));
  }
  return out;
}

/** Task names by index: `meta/tasks.jsonl` (v2) or `meta/tasks.parquet` (v3); empty when absent. */
async function readTasks(dir: string, version: string): Promise<Map<number, string>> {
  const tasks = new Map<number, string>();
  if (version.startsWith('v2')) {
    const file = path.join(dir, 'meta', 'tasks.jsonl');
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return tasks;
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch (err) {
        throw new Error(`${file}:${i + 1}: not JSON: ${(err as Error).message}`);
      }
      tasks.set(Number(row['task_index']), String(row['task']));
    });
    return tasks;
  }
  const file = path.join(dir, 'meta', 'tasks.parquet');
  if (!(await fs.stat(file).catch(() => undefined))) return tasks;
  const { rows } = await readParquetRows(file, undefined);
  for (const row of rows) {
    // pandas writes the task string as the index column; take the first string column.
    const task = Object.entries(row).find(([k, v]) => typeof v === 'string' && k !== 'task_index')?.[1];
    if (row['task_index'] !== undefined && typeof task === 'string')
      tasks.set(Number(row['task_index']), task);
  }
  return tasks;
}

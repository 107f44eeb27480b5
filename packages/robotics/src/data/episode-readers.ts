import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { arrayDataset, type DatasetReader, type ReadResult, z } from '@peftkit/core';
import { daggerOptionsSchema } from '../dagger/dagger-options.js';
import type { EpisodeSet, StepExample } from './episode.js';
import { readJsonlEpisodes } from './jsonl-episodes.js';
import { isLeRobotDataset, readLeRobotDataset } from './lerobot-dataset.js';
import { readNpzEpisodes } from './npz-episodes.js';
import { readRobomimicHdf5 } from './robomimic-hdf5.js';

/** `data.options` of every robotics episode reader. */
export const episodeReaderOptions = z.strictObject({
  /** Load only these episode indices (default all). */
  episodes: z.array(z.number().int().min(0)).min(1).optional(),
  /** Refuse sources with more frames than this (memory bound). */
  maxFrames: z.number().int().positive().default(5_000_000),
  /** robomimic: demos of `mask/<filterKey>` only. */
  filterKey: z.string().min(1).optional(),
  /** robomimic: low-dimensional `obs/*` keys to concatenate into `observation.state` (default all, sorted). */
  obsKeys: z.array(z.string().min(1)).min(1).optional(),
  /** DAgger rounds after behaviour cloning, run by `runDagger` / `peftkit-robotics dagger` (plain `peftkit train` trains on the demonstrations only). */
  dagger: daggerOptionsSchema.optional(),
});

export type EpisodeReaderOptions = z.output<typeof episodeReaderOptions>;

/**
 * The steps of `set` as training examples. `groupOf` is the episode, so a held-out eval split
 * never shares an episode with training; skipped features (video, images) come back as warnings.
 * Which features are the observation and the action is the preprocessor's choice
 * (`preprocess.options.observationKeys` / `actionKey`), checked when it fits.
 */
export function episodeReadResult(set: EpisodeSet, options: EpisodeReaderOptions): ReadResult<StepExample> {
  const wanted = options.episodes ? new Set(options.episodes) : undefined;
  const episodes = wanted ? set.episodes.filter((e) => wanted.has(e.index)) : set.episodes;
  if (wanted) {
    const missing = [...wanted].filter((i) => !episodes.some((e) => e.index === i));
    if (missing.length)
      throw new Error(`${set.source}: no episode ${missing.join(', ')} (data.options.episodes)`);
  }
  const steps: StepExample[] = [];
  for (const episode of episodes) for (let t = 0; t < episode.length; t++) steps.push({ episode, t });
  if (steps.length === 0) throw new Error(`${set.source}: no steps`);
  const warnings = set.skipped.length
    ? [
        `${set.source}: not loaded (state-only policies): ${set.skipped.map((s) => `${s.key} (${s.reason})`).join(', ')}`,
      ]
    : [];
  if (options.dagger) {
    warnings.push(
      'data.options.dagger is set: DAgger rounds run with runDagger (peftkit-robotics dagger); this run trains on the demonstrations only',
    );
  }
  return {
    dataset: arrayDataset(steps, set.source),
    groupOf: (e) => e.episode.index,
    warnings,
  };
}

const hasExt = (p: string, ...exts: string[]) => exts.some((e) => p.toLowerCase().endsWith(e));

export const lerobotReader: DatasetReader<StepExample, EpisodeReaderOptions> = {
  id: 'robotics/lerobot',
  description: 'LeRobot dataset folder (v2.0/v2.1/v3.0: meta/info.json + parquet steps), state features',
  formats: ['lerobot (folder with meta/info.json)'],
  optionsSchema: episodeReaderOptions,
  canRead: (p) => isLeRobotDataset(p),
  async read(p, { options, limits, allowOutsideRoot }) {
    const set = await readLeRobotDataset(p, {
      episodes: options.episodes,
      maxFrames: options.maxFrames,
      limits,
      allowOutsideRoot,
    });
    return episodeReadResult(set, options);
  },
};

export const jsonlEpisodeReader: DatasetReader<StepExample, EpisodeReaderOptions> = {
  id: 'robotics/jsonl',
  description:
    'JSON Lines, one step per line (episode_index, observation.state, action, reward?, done?, task?)',
  formats: ['jsonl'],
  optionsSchema: episodeReaderOptions,
  canRead: (p) => hasExt(p, '.jsonl', '.ndjson'),
  async read(p, { options, limits }) {
    return episodeReadResult(await readJsonlEpisodes(p, { maxFrames: options.maxFrames, limits }), options);
  },
};

export const npzEpisodeReader: DatasetReader<StepExample, EpisodeReaderOptions> = {
  id: 'robotics/npz',
  description: 'NumPy .npz of step arrays with episode_index [N] or episode_ends [E]',
  formats: ['npz'],
  optionsSchema: episodeReaderOptions,
  canRead: (p) => hasExt(p, '.npz'),
  async read(p, { options, limits }) {
    return episodeReadResult(await readNpzEpisodes(p, { maxFrames: options.maxFrames, limits }), options);
  },
};

export const robomimicReader: DatasetReader<StepExample, EpisodeReaderOptions> = {
  id: 'robotics/robomimic',
  description: 'robomimic HDF5 (data/demo_N/{actions, obs/*, rewards, dones}; mask/ filter keys)',
  formats: ['hdf5', 'h5'],
  optionsSchema: episodeReaderOptions,
  canRead: (p) => hasExt(p, '.hdf5', '.h5'),
  async read(p, { options, limits }) {
    const set = await readRobomimicHdf5(p, {
      filterKey: options.filterKey,
      obsKeys: options.obsKeys,
      maxFrames: options.maxFrames,
      limits,
    });
    return episodeReadResult(set, options);
  },
};

/** Every robotics episode reader, in the order the plugin binds them. */
export const episodeReaders = [lerobotReader, jsonlEpisodeReader, npzEpisodeReader, robomimicReader] as const;

/** Reads any supported source with the reader that claims it (for scripts and tests). */
export async function readEpisodes(
  location: string,
  options: Partial<EpisodeReaderOptions> = {},
): Promise<EpisodeSet> {
  const o = episodeReaderOptions.parse(options);
  if (await isLeRobotDataset(location)) return readLeRobotDataset(location, o);
  if (hasExt(location, '.jsonl', '.ndjson')) return readJsonlEpisodes(location, o);
  if (hasExt(location, '.npz')) return readNpzEpisodes(location, o);
  if (hasExt(location, '.hdf5', '.h5')) return readRobomimicHdf5(location, o);
  const isDir = await fs.stat(location).then(
    (s) => s.isDirectory(),
    () => false,
  );
  throw new Error(
    `${location}: not a robotics episode source (${isDir ? `no ${path.join('meta', 'info.json')}` : 'expected .jsonl, .npz, .hdf5 or a LeRobot folder'})`,
  );
}

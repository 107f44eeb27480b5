export {
  type Episode,
  type EpisodeSet,
  type FeatureSpec,
  type FeatureStats,
  frameOf,
  type SkippedFeature,
  type StepExample,
} from './episode.js';
export { EpisodeBuilder, type EpisodeBuilderOptions } from './episode-builder.js';
export {
  type EpisodeReaderOptions,
  episodeReaderOptions,
  episodeReaders,
  episodeReadResult,
  jsonlEpisodeReader,
  lerobotReader,
  npzEpisodeReader,
  readEpisodes,
  robomimicReader,
} from './episode-readers.js';
export { computeFeatureStats, parseFeatureStats } from './feature-stats.js';
export { readJsonlEpisodes } from './jsonl-episodes.js';
export {
  isLeRobotDataset,
  LEROBOT_VERSIONS,
  type LeRobotReadOptions,
  readLeRobotDataset,
} from './lerobot-dataset.js';
export { type LeRobotWriteOptions, writeLeRobotDataset } from './lerobot-writer.js';
export { readNpzEpisodes } from './npz-episodes.js';
export { type RobomimicReadOptions, readRobomimicHdf5 } from './robomimic-hdf5.js';

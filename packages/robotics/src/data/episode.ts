/**
 * Robot demonstrations as the robotics readers produce them: whole episodes of fixed-width numeric
 * step features (`observation.state`, `action`, ...), LeRobot's feature naming. Image and video
 * features are not loaded (state-only policies); readers list them in `EpisodeSet.skipped`.
 */

/** One numeric step feature: `dim` values per frame. */
export interface FeatureSpec {
  readonly dim: number;
  /** Names of the `dim` components, when the source has them (LeRobot `names`). */
  readonly names?: readonly string[] | undefined;
}

/** One demonstration. */
export interface Episode {
  /** The source's episode index (LeRobot `episode_index`, robomimic `demo_N`). */
  readonly index: number;
  /** Number of frames (steps). */
  readonly length: number;
  /** Each numeric feature as `[length, dim]` row-major values. */
  readonly features: Readonly<Record<string, Float32Array>>;
  /** Per-step reward, when the source has one. */
  readonly reward?: Float32Array | undefined;
  /** Per-step done flag (1 on the last step of a finished episode), when the source has one. */
  readonly done?: Uint8Array | undefined;
  /** The task (language instruction or task name) of the episode, when the source has one. */
  readonly task?: string | undefined;
}

/** A feature the reader did not load, and why (`observation.images.top: video`). */
export interface SkippedFeature {
  readonly key: string;
  readonly reason: string;
}

/** Per-feature normalisation statistics, LeRobot `stats.json` style (one value per component). */
export interface FeatureStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
  /** Frames the statistics were computed on. */
  readonly count: number;
}

/** Everything a robotics reader read from one source. */
export interface EpisodeSet {
  /** The location read (file or dataset folder), for messages. */
  readonly source: string;
  /** Frames per second, when the source says. */
  readonly fps: number | undefined;
  /** The numeric step features every episode carries. */
  readonly features: Readonly<Record<string, FeatureSpec>>;
  readonly episodes: readonly Episode[];
  readonly skipped: readonly SkippedFeature[];
  /** Statistics shipped with the source (LeRobot `meta/stats.json`), for the loaded features. */
  readonly stats?: Readonly<Record<string, FeatureStats>> | undefined;
}

/**
 * One training example: a step of an episode. The episode travels with it so a preprocessor can
 * build an observation history window (the steps before `t`) without the reader copying it.
 */
export interface StepExample {
  readonly episode: Episode;
  /** Frame index inside `episode`, in `[0, episode.length)`. */
  readonly t: number;
}

/** The `dim` values of `key` at frame `t` (a view, no copy). */
export function frameOf(episode: Episode, key: string, t: number): Float32Array {
  const all = episode.features[key];
  if (!all) throw new Error(`episode ${episode.index} has no feature '${key}'`);
  const dim = all.length / episode.length;
  return all.subarray(t * dim, (t + 1) * dim);
}

import type { z } from 'zod';
import type { InputLimits } from '../io/input-limits.js';
import type { AnyDataset } from '../train/data/dataset.js';

/**
 * Contribution point for dataset readers: `bind(DatasetReader).toConstantValue(myReader)`.
 * The symbol and the interface share one name (Theia style), so one import serves both.
 */
export const DatasetReader = Symbol.for('peftkit.DatasetReader');

/** What `DatasetReader.read` receives besides the path. */
export interface ReadOptions<O = Readonly<Record<string, unknown>>> {
  /** `data.options` of the run config, validated by `optionsSchema` when the reader has one. */
  readonly options: O;
  /**
   * The label set to map labels onto. Given when reading eval data (the training label set) and
   * when evaluating a trained model (the saved label set); the reader must then keep these indices
   * and report labels outside the set in `warnings` (or fail), never silently extend the set.
   */
  readonly labels?: readonly string[] | undefined;
  /** Which role the data plays (readers may skip work at eval time, e.g. label inference). */
  readonly split: 'train' | 'eval';
  /**
   * A named split of a multi-split source to read instead of the reader's default for `split`:
   * the source's eval split while training without `data.eval`, or the user's choice
   * (`peftkit eval --split test`). Only passed to readers with `splits`, and always one of the
   * names `splits` listed for this location.
   */
  readonly sourceSplit?: string | undefined;
  /**
   * The run's input limits (`limits` of the run config over `DEFAULT_INPUT_LIMITS`); readers
   * check what they decode against them. Absent when a reader is called directly: use the defaults.
   */
  readonly limits?: InputLimits | undefined;
  /**
   * `data.allowOutsideRoot`: paths in manifests and folders may leave the dataset folder. Pass it
   * to `resolveInsideRoot` / `assertRealInside`.
   */
  readonly allowOutsideRoot?: boolean | undefined;
}

/** The named splits a source carries itself (an archive's `train`, `val` and `test`). */
export interface SourceSplits {
  /** Every split the source holds, in the source's order. */
  readonly names: readonly string[];
  /**
   * The split to evaluate on while training when the run config sets no `data.eval`; undefined
   * when the source has none (core then holds out `data.evalFraction` of the training data).
   */
  readonly eval?: string | undefined;
}

/** What a reader returns. */
export interface ReadResult<E> {
  /** The raw examples (map-style when the run must split off eval data). */
  readonly dataset: AnyDataset<E>;
  /** Class names, when the task has classes; example labels are indices into this list. */
  readonly labels?: readonly string[] | undefined;
  /** The class of an example, for stratified train/eval splits. */
  labelOf?(example: E): string | number;
  /**
   * The group of an example (a speaker, a robot episode). When given, a held-out eval split keeps
   * whole groups together (eval examples come from groups never seen in training) instead of
   * stratifying by label.
   */
  groupOf?(example: E): string | number;
  /** Problems worth telling the user that did not stop the read (unseen labels, skipped rows). */
  readonly warnings?: readonly string[];
}

/**
 * Turns files (or any location string the reader understands) into raw examples. Examples are
 * whatever the domain's preprocessor understands; core never looks inside them.
 *
 * @example
 * const csvReader: DatasetReader<Row> = {
 *   id: 'tabular/csv', description: 'CSV with a header row', formats: ['csv', 'tsv'],
 *   canRead: (p) => /\.(csv|tsv)$/i.test(p),
 *   read: async (p, { labels }) => ({ dataset: arrayDataset(await parse(p)), labels: ... }),
 * };
 */
export interface DatasetReader<E = unknown, O = Readonly<Record<string, unknown>>> {
  /** Unique across plugins, conventionally `<domain>/<name>` (`tabular/csv`). */
  readonly id: string;
  readonly description: string;
  /** File formats (extensions or names) for listings and error messages. */
  readonly formats: readonly string[];
  /** Validates `data.options`; errors are reported under `data.options.<path>`. */
  readonly optionsSchema?: z.ZodType<O>;
  /** Cheap check used to pick a reader when the run config names none. */
  canRead(path: string): boolean | Promise<boolean>;
  read(path: string, options: ReadOptions<O>): Promise<ReadResult<E>>;
  /**
   * For sources that carry their own splits: the splits of `path` (undefined when this one has
   * none). With it, training without `data.eval` evaluates on `SourceSplits.eval` instead of a
   * random hold-out, and `peftkit eval --split <name>` can read any of `names` (`sourceSplit`).
   */
  splits?(path: string, options: O): Promise<SourceSplits | undefined>;
}

import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { InputLimits } from '../io/input-limits.js';
import type { Rng } from '../runtime/random.js';
import type { AnyDataset } from '../train/data/dataset.js';
import type { Prediction } from './head.js';
import type { JsonValue } from './json.js';

/** Contribution point for preprocessors: `bind(Preprocessor).toConstantValue(myPreprocessor)`. */
export const Preprocessor = Symbol.for('peftkit.Preprocessor');

/**
 * One batch as the model, the head and the Trainer see it. Core calls
 * `model.forward(...batch.inputs)` and hands the outputs and the batch to the head; it never
 * looks inside `inputs`. Every tensor found in the batch is disposed after use.
 */
export interface ModelBatch {
  /** Arguments of the headed model's `forward`, in order (tensors, masks, options objects). */
  readonly inputs: readonly unknown[];
  /** Training targets (class ids, values, sequence ids); absent when predicting. */
  readonly targets?: tf.Tensor | undefined;
  /** Number of examples in the batch. */
  readonly size: number;
}

/** What `create` receives. */
export interface PreprocessorContext {
  /** The label set of the run (class names), if the task has one. */
  readonly labels: readonly string[] | undefined;
  /**
   * The run's input limits, for preprocessors that decode files (images, audio); absent when
   * created outside a run: use `DEFAULT_INPUT_LIMITS`.
   */
  readonly limits?: InputLimits | undefined;
  /** `data.allowOutsideRoot` of the run. */
  readonly allowOutsideRoot?: boolean | undefined;
}

/** What `fit` receives besides the examples. */
export interface FitContext {
  /**
   * True when state was restored from the base checkpoint before `fit` (`loadState` ran). Keep
   * what the base model depends on (a vocabulary: its embedding rows are indexed by it) and refit
   * only what describes the new data (normalisation statistics), or nothing.
   */
  readonly restored: boolean;
  /**
   * The base checkpoint directory of the run, or undefined when the base is built fresh. A base
   * downloaded from a model hub carries its preprocessing files next to `config.json` but no
   * `preprocessor.json` (a BERT directory has `vocab.txt` / `tokenizer.json`): load them from here
   * when nothing was restored, and keep them as a restored state would be kept.
   */
  readonly baseDir: string | undefined;
}

/** What `encode` and `collate` receive. */
export interface EncodeContext {
  /** True while training: random augmentation applies only then. */
  readonly training: boolean;
  /**
   * Seeded per batch from (loader seed, epoch, batch index). Use it for augmentation, never
   * `Math.random` or the process RNG, so runs replay exactly and resume bit-for-bit.
   */
  readonly rng: Rng;
}

/**
 * A preprocessor with its fitted state: one per run. The state (`saveState`) is stored next to
 * the adapter as `preprocessor.json`, so evaluation and prediction preprocess identically.
 */
export interface PreprocessorInstance<E = unknown, X = unknown, B extends ModelBatch = ModelBatch> {
  /** Learns state from the training examples (vocabulary, normalisation statistics). */
  fit?(train: AnyDataset<E>, context: FitContext): void | Promise<void>;
  /** One raw example to its model-ready form (host arrays; tensors are made in `collate`). */
  encode(example: E, context: EncodeContext): X | Promise<X>;
  /** Encoded examples to one batch of tensors. */
  collate(encoded: X[], context: EncodeContext): B;
  /**
   * Parses one command-line input of `peftkit predict` (a file path, a table row, a literal value) into
   * an example. Without it the preprocessor cannot serve `predict`.
   */
  parseInput?(input: string): E | Promise<E>;
  /**
   * Media types `parseBytes` accepts, lower-case essences without parameters (`image/png`,
   * `audio/wav`). `peftkit serve` refuses bytes of any other type (415) before calling it.
   */
  readonly mediaTypes?: readonly string[];
  /**
   * Parses one input given as the bytes of a file with its media type (one of `mediaTypes`):
   * an upload to `peftkit serve` (a multipart file part, base64 in JSON). Decode here with the
   * same code the file path of `parseInput` uses, so the same file gives the same tensors both
   * ways, and throw the decoder's one-line error for bad bytes: the server reports it as a 400
   * naming the input. `name` (the upload's file name or the request field) is for messages.
   * Without it the preprocessor takes no bytes (text, table rows, JSON observations).
   */
  parseBytes?(bytes: Uint8Array, mediaType: string, name: string): E | Promise<E>;
  /**
   * Cost of one raw example for length grouping (`data.sampling: group-by-length`), e.g. its
   * token count after truncation: examples of similar cost are batched together so little of each
   * batch is padding. Called once per training example at the start of a run, after `fit`.
   * Without it, `group-by-length` is refused for this preprocessor.
   */
  lengthOf?(example: E): number;
  /**
   * True when the preprocessor already corrects class imbalance itself (class weights it fitted
   * and hands the loss), so `data.sampling: auto` leaves the order shuffled instead of
   * correcting twice. Called after `fit`.
   */
  balancesClasses?(): boolean;
  /**
   * Architecture config fields implied by the data (input width, vocabulary size). They fill the
   * fields of `model.config` the run config leaves unset; called after `fit`.
   */
  modelConfig?(): Readonly<Record<string, unknown>>;
  /**
   * The subset of `modelConfig` a loaded base checkpoint must agree with, because the model
   * cannot run on this data otherwise (a table's feature count). A base whose config differs is
   * refused before training with one line naming each field, the base's value and the data's.
   * Leave out fields a model may legitimately exceed (a vocabulary padded past the tokenizer's).
   */
  requiredModelConfig?(): Readonly<Record<string, unknown>>;
  /** JSON state; `loadState(saveState())` must reproduce this instance's behaviour. */
  saveState(): JsonValue;
  loadState(state: JsonValue): void;
  /**
   * Writes any standard files that describe this state for other tools (a Hugging Face tokenizer
   * directory: `tokenizer.json`, `vocab.txt`, ...) into `dir`, next to the adapter or checkpoint
   * the host writes there. Write each file atomically and leave other files alone; never use the
   * host's own file names (`RUN_FILES`, `config.json`, `model.safetensors`, adapter files).
   */
  saveFiles?(dir: string): Promise<void>;
  /**
   * Maps a head's decoded prediction for `example` back to the data's own units, e.g. undoes the
   * normalisation `encode` applied to regression targets or robot actions (the head only sees
   * normalised values). Called by core's prediction paths (`peftkit predict`, `predictExamples`)
   * after `Head.predict`; without it predictions are returned as the head made them.
   */
  decodePrediction?(prediction: Prediction, example: E): Prediction;
}

/**
 * A named factory of preprocessor instances (`preprocess.id` in the run config).
 *
 * @example
 * bind(Preprocessor).toConstantValue({
 *   id: 'tabular/standardize', description: 'z-score every feature',
 *   create: () => new Standardizer(),
 * });
 */
export interface Preprocessor<
  E = unknown,
  X = unknown,
  B extends ModelBatch = ModelBatch,
  O = Readonly<Record<string, unknown>>,
> {
  /** Unique across plugins, conventionally `<domain>/<name>`. */
  readonly id: string;
  readonly description: string;
  /** Validates `preprocess.options`; errors are reported under `preprocess.options.<path>`. */
  readonly optionsSchema?: z.ZodType<O>;
  create(options: O, context: PreprocessorContext): PreprocessorInstance<E, X, B>;
}

import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { AnyModule } from '../nn/module.js';
import type { EvalOutput } from '../train/trainer/fit-options.js';
import type { JsonValue } from './json.js';
import type { ModelBatch } from './preprocessor.js';
import { UserError } from './user-error.js';

/** Contribution point for task heads: `bind(Head).toConstantValue(myHead)`. */
export const Head = Symbol.for('peftkit.Head');

/**
 * A base with a head on top: the module that is trained and saved. The base must stay a child
 * at `basePath` (HF style: `bert` in `BertForSequenceClassification`), so base checkpoints can
 * be written and read without the head, and placement roles are re-rooted under it.
 *
 * `basePath: ''` means the headed model IS the base: HF's `T5ForConditionalGeneration` or
 * `BartForConditionalGeneration` carry their LM head inside the base checkpoint, and adapter keys
 * are then `base_model.model.<base path>` with no extra prefix. `headPaths` is usually empty then
 * (any listed paths are still trained whole, inside the base).
 */
export interface HeadedModel {
  readonly model: AnyModule;
  /** Dotted path of the base inside `model`; `''` when `model` is the base itself. */
  readonly basePath: string;
  /**
   * Paths of the head's own modules (the `head` role). They are trained whole next to the
   * adapter (`modulesToSave`) unless the run sets `head.trainable: false`.
   */
  readonly headPaths: readonly string[];
}

/** What `Head.build` receives. */
export interface HeadBuildArgs<C = unknown> {
  readonly base: AnyModule;
  /** Id of the architecture that built `base`. */
  readonly architecture: string;
  /** The architecture config of `base`. */
  readonly baseConfig: unknown;
  /** `Architecture.outputFeatures(baseConfig)`, when the architecture declares it. */
  readonly features: number | undefined;
  /** The head config (`head.config` in the run config), validated. */
  readonly config: C;
  /** The run's label set, if the task has classes. */
  readonly labels: readonly string[] | undefined;
}

/**
 * One decoded prediction. Classification fills `label` and `probabilities`; other tasks may put
 * their result in `value` (a number, a generated sequence, an action vector).
 */
export interface Prediction {
  readonly label?: string;
  readonly probabilities?: Readonly<Record<string, number>>;
  readonly value?: JsonValue;
}

/**
 * A task head (`head.id` in the run config): builds the trainable model around a base, and
 * defines the loss, the metric inputs and the decoding of predictions for one task.
 */
export interface Head<C = unknown, O = unknown, B extends ModelBatch = ModelBatch> {
  /** Unique across plugins, conventionally `<domain>/<task>`. */
  readonly id: string;
  /** The task this head solves (`classification`, `regression`, `causal-lm`). */
  readonly task: string;
  readonly description: string;
  /** Validates `head.config`; errors are reported under `head.config.<path>`. */
  readonly configSchema?: z.ZodType<C>;
  /** Metric names used when the run config lists none (built-in or contributed). */
  readonly defaultMetrics: readonly string[];
  build(args: HeadBuildArgs<C>): HeadedModel;
  /**
   * How a batch goes through the model; default `model.forward(...batch.inputs)`. Override it
   * for test-time augmentation (average over flips when `!training`) or models whose call needs
   * more than the batch inputs. Runs inside `tf.tidy` (and under the gradient tape when training).
   */
  forward?(model: AnyModule, batch: B, context: { training: boolean; config?: C }): O;
  /**
   * Mean loss of one batch; built from `outputs` so gradients reach the parameters. Core passes
   * `context` (the validated head config: label smoothing, loss options); it is optional so
   * tests and older callers may leave it out, and a head should then use its config defaults.
   */
  loss(outputs: O, batch: B, context?: HeadContext<C>): tf.Scalar;
  /**
   * Predictions and targets of one eval batch for the metrics (inside `tf.tidy`), plus optional
   * decision `thresholds` (e.g. per-class thresholds from the head config). `context` as in `loss`.
   */
  metricInputs(outputs: O, batch: B, context?: HeadContext<C>): EvalOutput;
  /**
   * Decodes one batch, one prediction per example. `outputs` is the eval-mode forward; `model`
   * and `batch` are there for heads that decode by running the model again (autoregressive
   * generation with a cache, beam search). The caller disposes `outputs` and the batch.
   */
  predict(outputs: O, context: PredictContext<B, C>): Promise<Prediction[]>;
  /**
   * Hugging Face interop: the task class this head builds, so a plain HF checkpoint or PEFT
   * adapter finds its head and a merge writes a checkpoint `transformers` loads as that class.
   */
  readonly hf?: HeadHfInterop;
}

/** How a head maps to Hugging Face task classes (see `Head.hf`). */
export interface HeadHfInterop {
  /** Suffix of the HF class after the family prefix: `ForSequenceClassification`. */
  readonly classSuffix: string;
  /** PEFT `task_type` values of adapters for this task (`SEQ_CLS`). */
  readonly taskTypes: readonly string[];
  /**
   * Readers of this task's data, tried in order (the first whose `canRead` accepts the file)
   * when a run without a reader of its own (a plain HF directory) is evaluated: a pair task's
   * `.tsv` is then read as pairs, not as a text table.
   */
  readonly readers?: readonly string[];
  /**
   * The head config a plain HF checkpoint directory implies (a generating head's defaults from
   * `generation_config.json`), read when `loadHfRun` makes a run of it; unset keys keep the
   * `configSchema` defaults. `baseConfig` is the directory's parsed `config.json`.
   */
  configFromCheckpoint?(
    baseDir: string,
    baseConfig: Readonly<Record<string, unknown>>,
  ): Promise<Record<string, unknown>>;
  /**
   * Writes the files besides `config.json` an HF checkpoint of this task carries that the head's
   * config decides (a generating head's `generation_config.json`), when a merge writes the HF
   * class: the inverse of `configFromCheckpoint`. `checkpointConfig` is the `config.json` written.
   */
  writeCheckpointFiles?(
    dir: string,
    config: unknown,
    checkpointConfig: Readonly<Record<string, unknown>>,
  ): Promise<void>;
  /**
   * Why this built model has no exact HF equivalent (a pooling HF's class does not do), or
   * undefined when it has one. A merge of such a model is written as the base plus
   * `head.safetensors`, with a note, rather than as a checkpoint `transformers` would misread.
   */
  unsupported?(headedModel: AnyModule): string | undefined;
}

/** What core hands a head's `loss` and `metricInputs` besides the outputs and the batch. */
export interface HeadContext<C = unknown> {
  /** The run's head config (`head.config`), validated by `configSchema`, defaults applied. */
  readonly config: C;
  /**
   * The run's label set, as `build` and `predict` see it: for heads whose metric inputs are
   * decoded through it (a CTC head turns frame ids into text with its vocabulary). Core always
   * passes it (undefined when the task has no labels); optional for hand-made contexts.
   */
  readonly labels?: readonly string[] | undefined;
}

/** What `Head.predict` receives besides the outputs. */
export interface PredictContext<B extends ModelBatch = ModelBatch, C = unknown> {
  readonly labels: readonly string[] | undefined;
  /** The model in eval mode (a `PeftModel` for adapter runs). */
  readonly model: AnyModule;
  readonly batch: B;
  /** The run's validated head config (always set by core; optional for hand-made contexts). */
  readonly config?: C;
}

/** Runs a batch through `model` the way `head` wants (its `forward`, else the batch inputs). */
export function headForward<O, B extends ModelBatch>(
  head: Head<unknown, O, B>,
  model: AnyModule,
  batch: B,
  training: boolean,
  config?: unknown,
): O {
  return head.forward
    ? head.forward(model, batch, { training, ...(config !== undefined ? { config } : {}) })
    : (model.forward(...batch.inputs) as O);
}

/**
 * The head config of a saved run, validated again by the installed head's schema: a config
 * written by an older plugin version gets the defaults of fields added since. Errors name the run.
 *
 * @example const config = savedHeadConfig(run.head, run.manifest.head.config, run.dir);
 */
export function savedHeadConfig(head: Head, saved: unknown, where: string): unknown {
  if (!head.configSchema) return saved;
  const r = head.configSchema.safeParse(saved ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `head.config.${i.path.join('.')}: ${i.message}`).join('; ');
  throw new UserError(`${where}: the saved head config no longer fits head '${head.id}': ${issues}`);
}

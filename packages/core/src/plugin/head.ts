import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { AnyModule } from '../nn/module.js';
import type { EvalOutput } from '../train/trainer/fit-options.js';
import type { JsonValue } from './json.js';
import type { ModelBatch } from './preprocessor.js';

/** Contribution point for task heads: `bind(Head).toConstantValue(myHead)`. */
export const Head = Symbol.for('peftkit.Head');

/**
 * A base with a head on top: the module that is trained and saved. The base must stay a child
 * at `basePath` (HF style: `bert` in `BertForSequenceClassification`), so base checkpoints can
 * be written and read without the head, and placement roles are re-rooted under it.
 */
export interface HeadedModel {
  readonly model: AnyModule;
  /** Dotted path of the base inside `model` (non-empty). */
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
  forward?(model: AnyModule, batch: B, context: { training: boolean }): O;
  /** Mean loss of one batch; built from `outputs` so gradients reach the parameters. */
  loss(outputs: O, batch: B): tf.Scalar;
  /** Predictions and targets of one eval batch for the metrics (inside `tf.tidy`). */
  metricInputs(outputs: O, batch: B): EvalOutput;
  /**
   * Decodes one batch, one prediction per example. `outputs` is the eval-mode forward; `model`
   * and `batch` are there for heads that decode by running the model again (autoregressive
   * generation with a cache, beam search). The caller disposes `outputs` and the batch.
   */
  predict(outputs: O, context: PredictContext<B>): Promise<Prediction[]>;
}

/** What `Head.predict` receives besides the outputs. */
export interface PredictContext<B extends ModelBatch = ModelBatch> {
  readonly labels: readonly string[] | undefined;
  /** The model in eval mode (a `PeftModel` for adapter runs). */
  readonly model: AnyModule;
  readonly batch: B;
}

/** Runs a batch through `model` the way `head` wants (its `forward`, else the batch inputs). */
export function headForward<O, B extends ModelBatch>(
  head: Head<unknown, O, B>,
  model: AnyModule,
  batch: B,
  training: boolean,
): O {
  return head.forward ? head.forward(model, batch, { training }) : (model.forward(...batch.inputs) as O);
}

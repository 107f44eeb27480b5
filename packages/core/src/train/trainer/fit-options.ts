import type * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../../nn/module.js';
import type { BatchSource } from '../data/data-loader.js';
import type { ScheduleKind } from '../lr-schedule.js';
import type { Numbers } from '../metrics/inputs.js';
import type { Metric, MetricInput, MetricTargets } from '../metrics/metric.js';
import type { NamedParameter } from '../param-groups.js';
import type { ReportSection } from '../report/html-report.js';
import type { ProgressReporter } from '../report/progress.js';
import type { TrainerCallback } from './callbacks.js';
import type { BatchGradientSource } from './gradient-source.js';

/** Which optimizer and its hyper-parameters (PyTorch names and defaults). */
export interface OptimizerConfig {
  /** Default 'adamw'. */
  name?: 'adamw' | 'adam' | 'sgd';
  /** Base learning rate (default 1e-3). */
  lr?: number;
  /** Weight decay for rank >= 2 tensors; biases and norms get none (default 0.01 AdamW, 0 otherwise). */
  weightDecay?: number;
  /** Adam betas (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Adam epsilon (default 1e-8). */
  eps?: number;
  /** SGD momentum (default 0). */
  momentum?: number;
  /** SGD Nesterov momentum. */
  nesterov?: boolean;
  /** LoRA+: LoRA B matrices train at `lr * loraplusLrRatio`. */
  loraplusLrRatio?: number;
}

/** Learning-rate schedule; warmup by steps or as a share of the total steps. */
export interface ScheduleConfig {
  kind: ScheduleKind;
  warmupSteps?: number;
  /** Warmup steps = `ceil(warmupRatio * totalSteps)` (HF's `warmup_ratio`). */
  warmupRatio?: number;
  /** Cosine floor as a share of the base lr. */
  minLrRatio?: number;
}

/** A cadence: every N optimizer steps or every N epochs. */
export type Every = { steps: number } | { epochs: number };

/** Stop when `metric` has not improved by `minDelta` for `patience` evaluations. */
export interface EarlyStoppingConfig {
  /** An evaluation metric name: `loss` (eval loss) or a metric (`accuracy`, `precision_recall_f1.f1`). */
  metric: string;
  mode: 'min' | 'max';
  patience: number;
  minDelta?: number;
  /**
   * Never stop before this many optimizer steps (default 0), however many evaluations failed to
   * improve: patience counts evaluations, and evaluations close together (every epoch of a small
   * dataset, `evalEvery: { steps: 1 }`) would otherwise end a run after a handful of updates.
   */
  minSteps?: number;
}

/** What `evalStep` returns for the metrics: tensors or host arrays. */
export interface EvalOutput {
  /** Class ids, scores `[N]`, or rows `[N, C]`. */
  predictions: tf.Tensor | MetricInput;
  /** One target per example `[N]` (class ids, 0/1, values), or multi-label 0/1 rows `[N, K]`. */
  targets: tf.Tensor | MetricTargets;
  /**
   * Decision thresholds for score predictions (one, or one per class), handed to every metric's
   * `update`: multi-label metrics decide `score >= threshold` with them instead of 0.5.
   */
  thresholds?: number | Numbers | undefined;
  /** Renders a prediction/target row as a string, handed to every metric's `update` (see `MetricUpdateContext.decode`). */
  decode?: ((row: Numbers) => string) | undefined;
}

/**
 * Everything `fit` needs. Only `model`, `train`, `loss` and one of `epochs` / `maxSteps` are
 * required; see docs/training.md for the defaults in one table.
 */
export interface FitOptions<M extends AnyModule, B> {
  /** A `PeftModel` or any `Module`. It is put in train mode (eval mode during evaluation). */
  model: M;
  /** Default: `model.namedParameters({ trainableOnly: true })`. */
  trainableParameters?: readonly NamedParameter[];
  train: BatchSource<B>;
  eval?: BatchSource<B>;
  /** Mean loss of one batch, a scalar built from `model` so gradients reach the parameters. */
  loss: (model: M, batch: B) => tf.Scalar;
  /** Predictions and targets of one eval batch, for `metrics` (runs inside `tf.tidy`). */
  evalStep?: (model: M, batch: B) => EvalOutput;
  /** Metric objects or built-in names (`accuracy`, `macro_f1`, ...). */
  metrics?: readonly (Metric | string)[];
  optimizer?: OptimizerConfig;
  /** Default `{ kind: 'constant' }`. */
  schedule?: ScheduleConfig;
  epochs?: number;
  /** Optimizer steps; with `epochs` too, whichever comes first. */
  maxSteps?: number;
  /**
   * Computes each micro-batch's loss and gradients instead of `loss` on `model` (data-parallel
   * replicas); `loss` still serves evaluation. See docs/training.md ("Workers").
   */
  gradientSource?: BatchGradientSource<B>;
  /** Micro-batches per optimizer step (default 1); gradients are averaged over them. */
  gradientAccumulationSteps?: number;
  /** Global-norm clipping threshold (default 1.0, as HF); `null` disables clipping. */
  maxGradNorm?: number | null;
  /** Default `{ epochs: 1 }` when `eval` is given. */
  evalEvery?: Every;
  /** When to write `checkpoints/last` (default: `evalEvery`, else every epoch); always at the end. */
  checkpointEvery?: Every;
  earlyStopping?: EarlyStoppingConfig;
  /** Metric for `checkpoints/best` (default: the early-stopping metric, else eval `loss`, min). */
  bestMetric?: { metric: string; mode: 'min' | 'max' };
  /** Optimizer steps between `metrics.jsonl` lines and plain progress lines (default 10). */
  logEvery?: number;
  /** Where checkpoints, `metrics.jsonl`, `summary.json` and `report.html` go; nothing is written without it. */
  outputDir?: string;
  /** Writes the adapter files into a checkpoint dir. Default: `model.savePretrained` if the model has one. */
  saveAdapter?: (dir: string) => Promise<void>;
  /** Process RNG seed set at the start of a fresh run (default 42); a resumed run restores the saved RNG. */
  seed?: number;
  /** A checkpoint dir, or an output dir (its `checkpoints/last` is used). */
  resumeFrom?: string;
  /** Refuse to resume when settings that change the trajectory differ (default true). */
  strictResume?: boolean;
  /**
   * Ends training gracefully when aborted (the CLI aborts it on SIGINT/SIGTERM): the current
   * step finishes, `checkpoints/last` is written, no final evaluation runs, and the summary's
   * reason is `interrupted`. The loop yields to the event loop after each step so signal
   * handlers get to run.
   */
  signal?: AbortSignal;
  callbacks?: readonly TrainerCallback[];
  /** 'auto' (bar on a TTY, lines otherwise; default), 'bar', 'plain', 'none', or a reporter. */
  progress?: 'auto' | 'bar' | 'plain' | 'none' | ProgressReporter;
  /** Run title in `report.html`. */
  runName?: string;
  /** Extra `report.html` sections after the training charts (e.g. the learning-rate range test). */
  reportSections?: readonly ReportSection[];
  /** Class names by class id, used in warnings about the class distribution. */
  labels?: readonly string[] | null;
}

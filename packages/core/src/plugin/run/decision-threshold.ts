import * as tf from '@tensorflow/tfjs';
import type { AnyModule } from '../../nn/module.js';
import type { BatchSource } from '../../train/data/data-loader.js';
import { chooseBinaryThreshold } from '../../train/metrics/decision-threshold.js';
import type { EvalOutput } from '../../train/trainer/fit-options.js';
import type { Prediction } from '../head.js';
import type { ModelBatch } from '../preprocessor.js';
import type { DecisionThreshold } from './run-manifest.js';

export interface TuneThresholdArgs {
  readonly model: AnyModule;
  readonly eval: BatchSource<ModelBatch>;
  /** The head's metric inputs for one batch (model in eval mode). */
  readonly evalStep: (model: AnyModule, batch: ModelBatch) => EvalOutput;
  readonly labels: readonly string[];
}

/** `[N, 2]` rows that sum to 1: the only outputs a binary threshold is tuned on. */
function positiveColumn(predictions: unknown): tf.Tensor1D | undefined {
  if (!(predictions instanceof tf.Tensor) || predictions.rank !== 2 || predictions.shape[1] !== 2)
    return undefined;
  return tf.tidy(() => {
    const sums = tf.sum(predictions, 1);
    const off = tf.max(tf.abs(tf.sub(sums, 1))).dataSync()[0]!;
    const min = tf.min(predictions).dataSync()[0]!;
    return off < 1e-3 && min >= 0
      ? (tf.slice(predictions, [0, 1], [-1, 1]).reshape([-1]) as tf.Tensor1D)
      : undefined;
  });
}

/**
 * Chooses a binary run's decision threshold on its evaluation data: the probability of the second
 * label above which it is predicted, maximising macro F1 (`chooseBinaryThreshold`). Reads the
 * head's metric inputs, so any head whose `metricInputs` gives `[N, 2]` class probabilities takes
 * part; returns undefined for other outputs or when the data lacks one of the classes.
 */
export async function tuneRunThreshold(a: TuneThresholdArgs): Promise<DecisionThreshold | undefined> {
  if (a.labels.length !== 2) return undefined;
  const probs: number[] = [];
  const targets: number[] = [];
  const wasTraining = a.model.training;
  a.model.eval();
  try {
    for await (const batch of a.eval.epochBatches(0)) {
      try {
        const out = tf.tidy(() => {
          const o = a.evalStep(a.model, batch);
          const p = positiveColumn(o.predictions);
          if (!p || !(o.targets instanceof tf.Tensor)) return undefined;
          return [p, tf.cast(o.targets, 'float32').reshape([-1])] as [tf.Tensor, tf.Tensor];
        });
        if (!out) return undefined;
        probs.push(...out[0].dataSync());
        targets.push(...out[1].dataSync());
        tf.dispose(out);
      } finally {
        a.eval.disposeBatch(batch);
      }
    }
  } finally {
    a.model.train(wasTraining);
  }
  if (targets.some((y) => y !== 0 && y !== 1)) return undefined;
  const choice = chooseBinaryThreshold(probs, targets);
  if (!choice) return undefined;
  return {
    positiveLabel: a.labels[1]!,
    threshold: choice.threshold,
    metric: 'macro_f1',
    macroF1: choice.macroF1,
    defaultMacroF1: choice.defaultMacroF1,
    examples: choice.examples,
  };
}

/** One line for the run output. */
export function describeThreshold(d: DecisionThreshold): string {
  return d.threshold === 0.5
    ? `decision threshold: 0.5 kept (argmax is already best on ${d.examples} eval examples, macro F1 ${d.macroF1.toFixed(3)})`
    : `decision threshold: predict ${d.positiveLabel} when its probability > ${d.threshold.toFixed(3)} (macro F1 on ${d.examples} eval examples ${d.defaultMacroF1.toFixed(3)} -> ${d.macroF1.toFixed(3)}; tuned on the eval split, so that number is optimistic; training.tuneThreshold: false keeps argmax)`;
}

/**
 * The head's metric inputs under the tuned rule: `[N, 2]` probabilities are recentred so the
 * threshold sits at 0.5 (argmax metrics follow the rule, AUROC is unchanged).
 */
export function withThreshold(out: EvalOutput, d: DecisionThreshold | undefined): EvalOutput {
  if (!d || d.threshold === 0.5) return out;
  const p = positiveColumn(out.predictions);
  if (!p) return out;
  // Called inside the evaluation's tf.tidy: the intermediate tensors are freed there.
  const t = d.threshold;
  const low = tf.mul(p, 0.5 / t);
  const high = tf.add(0.5, tf.mul(tf.sub(p, t), 0.5 / (1 - t)));
  const q = tf.where(tf.lessEqual(p, t), low, high);
  return { ...out, predictions: tf.stack([tf.sub(1, q), q], 1) };
}

/** A prediction under the tuned rule (label from the positive class's probability). */
export function applyThreshold(
  p: Prediction,
  d: DecisionThreshold | undefined,
  labels: readonly string[] | undefined,
): Prediction {
  if (!d || !labels || labels.length !== 2 || !p.probabilities) return p;
  const pos = p.probabilities[d.positiveLabel];
  if (typeof pos !== 'number') return p;
  return { ...p, label: pos > d.threshold ? d.positiveLabel : labels[0]! };
}

import type { ModelBatch } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** The batch's targets, or an error naming the head (a batch without labels cannot train). */
export function targetsOf(batch: ModelBatch, head: string): tf.Tensor {
  if (!batch.targets) throw new Error(`${head}: the batch has no targets (is the data labelled?)`);
  return batch.targets;
}

/** The label set of a classification run, or an error naming the head. */
export function requireLabels(labels: readonly string[] | undefined, head: string): readonly string[] {
  if (!labels || labels.length < 2) {
    throw new Error(`${head}: needs a label set with at least 2 classes (got ${labels?.length ?? 'none'})`);
  }
  return labels;
}

/**
 * The last `length` positions of per-token outputs `[B, T', ...]`: prompt tuning prepends
 * virtual tokens, which have no targets (HF pads their labels with -100; dropping them is the
 * same). Returns `outputs` itself when the lengths agree.
 */
export function alignToTargets(outputs: tf.Tensor, length: number): tf.Tensor {
  const t = outputs.shape[1] as number;
  if (t === length) return outputs;
  if (t < length) throw new Error(`outputs cover ${t} positions, the targets ${length}`);
  const begin = outputs.shape.map((_, i) => (i === 1 ? t - length : 0));
  const size = outputs.shape.map((d, i) => (i === 1 ? length : d));
  return tf.slice(outputs, begin, size);
}

/** One softmax row as `{label: probability}`, and its arg-max label. */
export function labelProbabilities(
  row: readonly number[],
  labels: readonly string[] | undefined,
): { label: string; probabilities: Record<string, number> } {
  const probabilities: Record<string, number> = {};
  let best = 0;
  row.forEach((p, i) => {
    probabilities[labels?.[i] ?? String(i)] = p;
    if (p > (row[best] as number)) best = i;
  });
  return { label: labels?.[best] ?? String(best), probabilities };
}

import type * as tf from '@tensorflow/tfjs';
import type { ModelBatch } from '@peftkit/core';

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

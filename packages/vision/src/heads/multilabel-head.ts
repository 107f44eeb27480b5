import { bestThreshold, binaryCrossEntropyWithLogits, type Head, type Prediction, z } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { VisionBatch } from '../preprocess/vision-batch.js';
import { buildClassifier } from './classification-head.js';

export const multilabelHeadOptions = z.strictObject({
  dropout: z.number().min(0).lt(1).default(0),
  /** Decision threshold for every label, or one per label (e.g. from `tuneThresholds`). */
  thresholds: z.union([z.number().min(0).max(1), z.array(z.number().min(0).max(1)).min(1)]).default(0.5),
  tta: z.enum(['none', 'hflip', 'hvflip']).default('none'),
});

export type MultilabelHeadOptions = z.output<typeof multilabelHeadOptions>;

/** Decision thresholds: one for every label, or one per label. */
export type Thresholds = number | readonly number[];

function thresholdOf(t: Thresholds, k: number): number {
  return typeof t === 'number' ? t : (t[k] ?? 0.5);
}

/**
 * Per-label thresholds maximising Youden's J on validation scores (`scores[i][k]`, 0/1
 * `targets[i][k]`); labels with one class only in the data keep 0.5.
 */
export function tuneThresholds(
  scores: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
): number[] {
  const k = scores[0]?.length ?? 0;
  return Array.from({ length: k }, (_, j) => {
    const s = scores.map((r) => r[j] as number);
    const t = targets.map((r) => r[j] as number);
    const pos = t.filter((v) => v === 1).length;
    return pos === 0 || pos === t.length ? 0.5 : bestThreshold(s, t).threshold;
  });
}

/**
 * Decodes multi-label probabilities: every label at or above its threshold (`value`), the
 * first of them (or the most probable label when none passes) as `label`, and all
 * probabilities.
 */
export function decodeMultilabel(
  row: readonly number[],
  labels: readonly string[] | undefined,
  thresholds: Thresholds = 0.5,
): Prediction {
  const names = row.map((_, i) => labels?.[i] ?? String(i));
  const on = names.filter((_, i) => (row[i] as number) >= thresholdOf(thresholds, i));
  const best = names[row.indexOf(Math.max(...row))] as string;
  return {
    label: on[0] ?? best,
    value: on,
    probabilities: Object.fromEntries(names.map((n, i) => [n, row[i] as number])),
  };
}

/**
 * `vision/multilabel`: one sigmoid per label (findings that co-occur, e.g. ChestX-ray14).
 * Binary cross-entropy with per-class positive weights when the batch carries them. Metrics
 * receive `[N, K]` probabilities and 0/1 targets with the head config's `thresholds`, so core's
 * multi-label metrics (`multilabel_auroc`, `multilabel_f1`, `subset_accuracy`, `hamming_loss`)
 * decide at the same per-label thresholds as predictions do; `tuneThresholds` finds them on
 * validation scores.
 */
export const multilabelHead: Head<MultilabelHeadOptions, tf.Tensor, VisionBatch> = {
  id: 'vision/multilabel',
  task: 'multilabel-classification',
  description:
    'multi-label image classification: one sigmoid per label, binary cross-entropy, per-class thresholds',
  configSchema: multilabelHeadOptions,
  defaultMetrics: ['multilabel_auroc', 'multilabel_f1', 'subset_accuracy', 'hamming_loss'],
  build({ base, architecture, features, config, labels }) {
    if (!labels?.length) throw new Error('vision/multilabel needs the label names');
    if (typeof config.thresholds !== 'number' && config.thresholds.length !== labels.length) {
      throw new Error(
        `vision/multilabel: ${config.thresholds.length} thresholds for ${labels.length} labels`,
      );
    }
    return buildClassifier(base, architecture, features, labels.length, config, 'vision/multilabel');
  },
  loss(logits, batch) {
    if (!batch.targets) throw new Error('vision/multilabel: the batch has no targets');
    const targets = batch.targets;
    return tf.tidy(
      () =>
        binaryCrossEntropyWithLogits(logits, targets, {
          ...(batch.posWeight ? { posWeight: batch.posWeight } : {}),
        }) as tf.Scalar,
    );
  },
  metricInputs(logits, batch, context) {
    if (!batch.targets) throw new Error('vision/multilabel: the batch has no targets');
    return {
      predictions: tf.sigmoid(logits),
      targets: tf.clone(batch.targets),
      thresholds: context?.config.thresholds ?? 0.5,
    };
  },
  async predict(logits, { labels, config }) {
    const probs = tf.tidy(() => tf.sigmoid(logits));
    const rows = (await probs.array()) as number[][];
    probs.dispose();
    const thresholds: Thresholds = config?.thresholds ?? 0.5;
    return rows.map((row) => decodeMultilabel(row, labels, thresholds));
  },
};

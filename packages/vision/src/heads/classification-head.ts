import { crossEntropy, type Head, type HeadedModel, type Prediction, z } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { VisionBatch } from '../preprocess/vision-batch.js';
import { ImageClassifier } from './image-classifier.js';
import { headLayout } from './layout.js';

export const classificationHeadOptions = z.strictObject({
  /** Dropout on the features before the classifier. */
  dropout: z.number().min(0).lt(1).default(0),
  /** Flip test-time augmentation at evaluation and prediction. */
  tta: z.enum(['none', 'hflip', 'hvflip']).default('none'),
});

export type ClassificationHeadOptions = z.output<typeof classificationHeadOptions>;

/** Features of the base, or an error naming the architecture. */
export function requireFeatures(features: number | undefined, architecture: string, head: string): number {
  if (features === undefined) {
    throw new Error(
      `${head}: architecture '${architecture}' does not state its output features (outputFeatures)`,
    );
  }
  return features;
}

/** Builds the headed classifier for any vision base. */
export function buildClassifier(
  base: Parameters<Head['build']>[0]['base'],
  architecture: string,
  features: number | undefined,
  numClasses: number,
  options: { dropout: number; tta: 'none' | 'hflip' | 'hvflip'; thresholds?: number | readonly number[] },
  head: string,
): HeadedModel {
  const layout = headLayout(architecture);
  const model = new ImageClassifier(base, requireFeatures(features, architecture, head), numClasses, {
    ...layout,
    dropout: options.dropout,
    tta: options.tta,
    ...(options.thresholds !== undefined ? { thresholds: options.thresholds } : {}),
  });
  return { model, basePath: layout.basePath, headPaths: [layout.headPath] };
}

/** Mean of per-example losses, weighted by `sampleWeights` when the batch has them. */
export function weightedMean(perExample: tf.Tensor, weights: tf.Tensor | undefined): tf.Scalar {
  if (!weights) return tf.mean(perExample) as tf.Scalar;
  return tf.div(tf.sum(tf.mul(perExample, weights)), tf.sum(weights)) as tf.Scalar;
}

/**
 * `vision/classification`: single-label classification. Softmax cross-entropy (weighted per
 * example for class balance when the preprocessor attaches `sampleWeights`), metrics on the class probabilities,
 * predictions decoded as the top label with every class's probability. The headed model is an
 * `ImageClassifier` laid out as the family's own (`vit` + `classifier`, `resnet` + `fc`).
 */
export const classificationHead: Head<ClassificationHeadOptions, tf.Tensor, VisionBatch> = {
  id: 'vision/classification',
  task: 'classification',
  description: 'single-label image classification: Linear classifier, softmax cross-entropy',
  configSchema: classificationHeadOptions,
  defaultMetrics: ['accuracy', 'macro_f1'],
  build({ base, architecture, features, config, labels }) {
    if (!labels || labels.length < 2) throw new Error('vision/classification needs at least 2 class labels');
    return buildClassifier(base, architecture, features, labels.length, config, 'vision/classification');
  },
  loss(logits, batch) {
    if (!batch.targets) throw new Error('vision/classification: the batch has no targets');
    const targets = batch.targets;
    return tf.tidy(() =>
      weightedMean(crossEntropy(logits, targets, { reduction: 'none' }), batch.sampleWeights),
    );
  },
  metricInputs(logits, batch) {
    if (!batch.targets) throw new Error('vision/classification: the batch has no targets');
    return { predictions: tf.softmax(logits), targets: batch.targets };
  },
  async predict(logits, { labels }) {
    const probs = tf.tidy(() => tf.softmax(logits));
    const rows = (await probs.array()) as number[][];
    probs.dispose();
    return rows.map((row): Prediction => {
      const names = row.map((_, i) => labels?.[i] ?? String(i));
      const best = row.indexOf(Math.max(...row));
      return {
        label: names[best] as string,
        probabilities: Object.fromEntries(names.map((n, i) => [n, row[i] as number])),
      };
    });
  },
};

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
  /** Label smoothing of the cross-entropy (torch's `label_smoothing`), in [0, 1). */
  labelSmoothing: z.number().min(0).lt(1).default(0),
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
  options: { dropout: number; tta: 'none' | 'hflip' | 'hvflip' },
  head: string,
): HeadedModel {
  const layout = headLayout(architecture);
  const model = new ImageClassifier(base, requireFeatures(features, architecture, head), numClasses, {
    ...layout,
    dropout: options.dropout,
    tta: options.tta,
  });
  return { model, basePath: layout.basePath, headPaths: [layout.headPath] };
}

/** The batch's class weights padded with 0 to `numClasses` (classes absent from training). */
function classWeightsFor(weights: readonly number[] | undefined, numClasses: number): number[] | undefined {
  return weights && Array.from({ length: numClasses }, (_, c) => weights[c] ?? 0);
}

/**
 * `vision/classification`: single-label classification. Softmax cross-entropy with the head
 * config's `labelSmoothing` and, when the preprocessor attaches them (`balance: 'weights'`), class
 * weights, both with torch's semantics (core's `crossEntropy`); metrics on the class
 * probabilities; predictions decoded as the top label with every class's probability. The headed
 * model is an `ImageClassifier` laid out as the family's own (`vit` + `classifier`, `resnet` + `fc`).
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
  loss(logits, batch, context) {
    if (!batch.targets) throw new Error('vision/classification: the batch has no targets');
    const targets = batch.targets;
    const classWeights = classWeightsFor(batch.classWeights, logits.shape[1] as number);
    return crossEntropy(logits, targets, {
      labelSmoothing: context?.config.labelSmoothing ?? 0,
      ...(classWeights ? { classWeights } : {}),
    }) as tf.Scalar;
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

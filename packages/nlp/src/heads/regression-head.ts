import { type Head, type ModelBatch, mseLoss, type Prediction } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { textBackbone } from '../models/task/backbone.js';
import { POOLINGS, SequenceClassificationModel } from '../models/task/sequence-classification.js';
import { targetsOf } from './head-support.js';

export const regressionHeadConfig = z.strictObject({
  pooling: z.enum(POOLINGS).optional(),
  dropout: z.number().min(0).max(1).optional(),
});

export type RegressionHeadConfig = z.output<typeof regressionHeadConfig>;

/**
 * `nlp/regression`: one number per text (a rating, a score), HF's sequence classification with
 * `num_labels = 1` and `problem_type = "regression"`: mean squared error on float targets.
 */
export const regressionHead: Head<RegressionHeadConfig, tf.Tensor> = {
  id: 'nlp/regression',
  task: 'regression',
  description: 'one number per text: pooled features + linear output, mean squared error',
  configSchema: regressionHeadConfig,
  defaultMetrics: ['mse', 'mae'],
  build({ base, config }) {
    const model = new SequenceClassificationModel(textBackbone(base, 'nlp/regression'), {
      numLabels: 1,
      ...(config.pooling ? { pooling: config.pooling } : {}),
      ...(config.dropout !== undefined ? { dropout: config.dropout } : {}),
    });
    return { model, basePath: model.basePath, headPaths: [...model.headPaths] };
  },
  loss(outputs: tf.Tensor, batch: ModelBatch): tf.Scalar {
    return mseLoss(
      tf.reshape(outputs, [-1]),
      tf.cast(targetsOf(batch, 'nlp/regression'), 'float32'),
    ) as tf.Scalar;
  },
  metricInputs(outputs: tf.Tensor, batch: ModelBatch) {
    return {
      predictions: tf.reshape(outputs, [-1]),
      targets: tf.cast(targetsOf(batch, 'nlp/regression'), 'float32'),
    };
  },
  async predict(outputs: tf.Tensor): Promise<Prediction[]> {
    return Array.from(await outputs.data()).map((value) => ({ value }));
  },
};

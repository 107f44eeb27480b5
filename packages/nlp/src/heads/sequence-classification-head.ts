import { crossEntropy, type Head, type ModelBatch, type Prediction } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { textBackbone } from '../models/task/backbone.js';
import { POOLINGS, SequenceClassificationModel } from '../models/task/sequence-classification.js';
import { labelProbabilities, requireLabels, targetsOf } from './head-support.js';

export const sequenceClassificationHeadConfig = z.strictObject({
  /** `cls` (BERT's pooler), `mean` (masked mean of the last hidden states) or `last` (GPT-2). */
  pooling: z.enum(POOLINGS).optional(),
  /** Dropout before the classifier (default: the base's hidden dropout). */
  dropout: z.number().min(0).max(1).optional(),
  /** Label smoothing of the cross-entropy (default 0). */
  labelSmoothing: z.number().min(0).max(1).default(0),
});

export type SequenceClassificationHeadConfig = z.output<typeof sequenceClassificationHeadConfig>;

/**
 * `nlp/sequence-classification`: one label per text (sentiment, topic, spam). Builds HF's
 * `BertForSequenceClassification` / `GPT2ForSequenceClassification` around the base; softmax
 * cross-entropy; predictions are the label with every class probability.
 */
export const sequenceClassificationHead: Head<SequenceClassificationHeadConfig, tf.Tensor> = {
  id: 'nlp/sequence-classification',
  task: 'classification',
  description: 'one label per text: [CLS]/mean/last-token pooling + linear classifier, cross-entropy',
  configSchema: sequenceClassificationHeadConfig,
  defaultMetrics: ['accuracy', 'macro_f1'],
  hf: {
    classSuffix: 'ForSequenceClassification',
    taskTypes: ['SEQ_CLS'],
    unsupported: (model) =>
      model instanceof SequenceClassificationModel
        ? model.hfIncompatibility()
        : `expected a SequenceClassificationModel, got ${model.typeName}`,
  },
  build({ base, config, labels }) {
    const numLabels = requireLabels(labels, 'nlp/sequence-classification').length;
    const model = new SequenceClassificationModel(textBackbone(base, 'nlp/sequence-classification'), {
      numLabels,
      ...(config.pooling ? { pooling: config.pooling } : {}),
      ...(config.dropout !== undefined ? { dropout: config.dropout } : {}),
    });
    return { model, basePath: model.basePath, headPaths: [...model.headPaths] };
  },
  loss(logits: tf.Tensor, batch: ModelBatch): tf.Scalar {
    return crossEntropy(logits, targetsOf(batch, 'nlp/sequence-classification')) as tf.Scalar;
  },
  metricInputs(logits: tf.Tensor, batch: ModelBatch) {
    return { predictions: tf.softmax(logits), targets: targetsOf(batch, 'nlp/sequence-classification') };
  },
  async predict(logits: tf.Tensor, { labels }): Promise<Prediction[]> {
    const probs = tf.softmax(logits);
    const rows = (await probs.array()) as number[][];
    probs.dispose();
    return rows.map((row) => labelProbabilities(row, labels));
  },
};

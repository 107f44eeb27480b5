import { crossEntropy, type Head, type ModelBatch, type Prediction } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { basePrefixOf, featureWidth } from './encoder-output.js';
import { initializerRange } from './init-linear.js';
import { UTTERANCE_POOLINGS, UtteranceClassificationModel } from './utterance-classification-model.js';

const HEAD = 'speech/utterance-classification';

export const utteranceClassificationHeadConfig = z.strictObject({
  /** `mean` (HF: masked mean of the projected frames) or `attentive` (weighted mean + std, ECAPA style). */
  pooling: z.enum(UTTERANCE_POOLINGS).default('mean'),
  /** Width of `projector` (default: the base config's `classifier_proj_size`, else 256 as HF). */
  projectorSize: z.number().int().positive().optional(),
  /** Hidden width of the attentive pooler's frame-scoring network. */
  attentionSize: z.number().int().positive().default(128),
  /** Label smoothing of the cross-entropy (default 0). */
  labelSmoothing: z.number().min(0).max(1).default(0),
});

export type UtteranceClassificationHeadConfig = z.output<typeof utteranceClassificationHeadConfig>;

function targetsOf(batch: ModelBatch): tf.Tensor {
  if (!batch.targets) throw new Error(`${HEAD}: the batch has no targets (is the data labelled?)`);
  return batch.targets;
}

/**
 * `speech/utterance-classification`: one label per utterance (accent identification, keyword
 * spotting, speaker traits). HF's `Wav2Vec2ForSequenceClassification` (`projector`, masked mean,
 * `classifier`) on any speech base, or attentive statistics pooling; targets are int32 class ids
 * `[B]`; padded frames never reach the pooled vector; predictions are the label with every class
 * probability.
 */
export const utteranceClassificationHead: Head<UtteranceClassificationHeadConfig, tf.Tensor> = {
  id: HEAD,
  task: 'classification',
  description: 'one label per utterance: projector, masked mean or attentive statistics pooling, classifier',
  configSchema: utteranceClassificationHeadConfig,
  defaultMetrics: ['accuracy', 'macro_f1'],
  build({ base, architecture, baseConfig, features, config, labels }) {
    if (!labels || labels.length < 2) {
      throw new Error(`${HEAD}: needs a label set with at least 2 classes (got ${labels?.length ?? 'none'})`);
    }
    const projSize = (baseConfig as { classifier_proj_size?: unknown } | undefined)?.classifier_proj_size;
    const model = new UtteranceClassificationModel(base, {
      basePath: basePrefixOf(base, architecture, baseConfig),
      features: featureWidth(features, baseConfig, HEAD),
      numLabels: labels.length,
      projectorSize: config.projectorSize ?? (typeof projSize === 'number' ? projSize : 256),
      pooling: config.pooling,
      attentionSize: config.attentionSize,
      initializerRange: initializerRange(baseConfig),
    });
    return { model, basePath: model.basePath, headPaths: [...model.headPaths] };
  },
  loss(logits, batch, context) {
    const labelSmoothing = context?.config.labelSmoothing ?? 0;
    return crossEntropy(logits, targetsOf(batch), { labelSmoothing }) as tf.Scalar;
  },
  metricInputs(logits, batch) {
    return { predictions: tf.softmax(logits), targets: targetsOf(batch) };
  },
  async predict(logits, { labels }): Promise<Prediction[]> {
    const probs = tf.softmax(logits);
    const rows = (await probs.array()) as number[][];
    probs.dispose();
    return rows.map((row) => {
      const probabilities: Record<string, number> = {};
      let best = 0;
      row.forEach((p, i) => {
        probabilities[labels?.[i] ?? String(i)] = p;
        if (p > (row[best] as number)) best = i;
      });
      return { label: labels?.[best] ?? String(best), probabilities };
    });
  },
};

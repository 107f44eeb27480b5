import {
  type AnyModule,
  crossEntropy,
  Dropout,
  type Head,
  Linear,
  type ModelBatch,
  Module,
  z,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

export const classificationConfig = z.strictObject({
  /** Dropout on the features before the classifier. */
  dropout: z.number().min(0).lt(1).default(0),
});

export type ClassificationConfig = z.output<typeof classificationConfig>;

/** Base features -> dropout -> `classifier` logits `[N, numLabels]`. */
export class TabularClassifier extends Module<[tf.Tensor], tf.Tensor> {
  constructor(base: AnyModule, features: number, numLabels: number, dropout: number) {
    super();
    this.registerModule('mlp', base);
    this.registerModule('dropout', new Dropout(dropout));
    this.registerModule('classifier', new Linear(features, numLabels));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const h = this.child('mlp').forward(x);
    return this.child('classifier').forward(this.child('dropout').forward(h));
  }
}

function targetsOf(batch: ModelBatch): tf.Tensor {
  if (!batch.targets) throw new Error('tabular/classification: the batch has no labels');
  return batch.targets;
}

/** Softmax classification over the run's label set. */
export const classificationHead: Head<ClassificationConfig, tf.Tensor> = {
  id: 'tabular/classification',
  task: 'classification',
  description: 'linear classifier on the MLP features, softmax cross-entropy',
  configSchema: classificationConfig,
  defaultMetrics: ['accuracy', 'macro_f1'],
  build({ base, features, config, labels }) {
    if (features === undefined)
      throw new Error('tabular/classification: the architecture does not declare outputFeatures');
    if (!labels || labels.length < 2)
      throw new Error('tabular/classification: needs a label set with at least 2 classes');
    return {
      model: new TabularClassifier(base, features, labels.length, config.dropout),
      basePath: 'mlp',
      headPaths: ['classifier'],
    };
  },
  loss: (logits, batch) => crossEntropy(logits, targetsOf(batch)) as tf.Scalar,
  metricInputs: (logits, batch) => ({ predictions: tf.softmax(logits), targets: targetsOf(batch) }),
  async predict(logits, { labels }) {
    const soft = tf.softmax(logits);
    const probs = (await soft.array()) as number[][];
    soft.dispose();
    return probs.map((row) => {
      const best = row.indexOf(Math.max(...row));
      const names = labels ?? row.map((_, i) => String(i));
      return {
        label: names[best] ?? String(best),
        probabilities: Object.fromEntries(row.map((p, i) => [names[i] ?? String(i), p])),
      };
    });
  },
};

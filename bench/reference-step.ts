import {
  Embedding,
  Linear,
  Module,
  ModuleList,
  type Parameter,
  setSeed,
  TransformerEncoderLayer,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** The reference model of the design brief: 4-layer encoder, d=256, 4 heads, ffn 1024. */
export interface ReferenceShape {
  layers: number;
  dModel: number;
  heads: number;
  ffn: number;
  seq: number;
  batch: number;
  vocab: number;
  classes: number;
}

export const REFERENCE_SHAPE: ReferenceShape = {
  layers: 4,
  dModel: 256,
  heads: 4,
  ffn: 1024,
  seq: 64,
  batch: 16,
  vocab: 8000,
  classes: 2,
};

/** Token + position embeddings, a post-norm encoder stack, mean pooling and a linear classifier. */
export class ReferenceEncoder extends Module<[tf.Tensor], tf.Tensor> {
  readonly tokens: Embedding;
  readonly positions: Embedding;
  readonly layers: ModuleList;
  readonly classifier: Linear;

  constructor(readonly shape: ReferenceShape) {
    super();
    this.tokens = this.registerModule('tokens', new Embedding(shape.vocab, shape.dModel));
    this.positions = this.registerModule('positions', new Embedding(shape.seq, shape.dModel));
    const layers: TransformerEncoderLayer[] = [];
    for (let i = 0; i < shape.layers; i++) {
      layers.push(
        new TransformerEncoderLayer(shape.dModel, shape.heads, {
          dimFeedforward: shape.ffn,
          dropout: 0.1,
          activation: 'gelu',
        }),
      );
    }
    this.layers = this.registerModule('layers', new ModuleList(layers));
    this.classifier = this.registerModule('classifier', new Linear(shape.dModel, shape.classes));
  }

  forward(ids: tf.Tensor): tf.Tensor {
    const [, seq] = ids.shape as [number, number];
    const pos = tf.range(0, seq, 1, 'int32');
    let h = tf.add(this.tokens.call(ids), this.positions.call(pos));
    for (const layer of this.layers) h = (layer as TransformerEncoderLayer).call(h);
    return this.classifier.call(tf.mean(h, 1));
  }
}

/** Multiply-add FLOPs (x2) of one forward pass; training is counted as 3x forward. */
export function forwardFlops(s: ReferenceShape): number {
  const tokens = s.batch * s.seq;
  const perTokenPerLayer = 2 * (4 * s.dModel * s.dModel + 2 * s.dModel * s.ffn + 2 * s.seq * s.dModel);
  return tokens * s.layers * perTokenPerLayer + 2 * s.batch * s.dModel * s.classes;
}

export interface StepBench {
  medianMs: number;
  stepsMs: number[];
  gflops: number;
  trainableParams: number;
  totalParams: number;
  numTensorsBefore: number;
  numTensorsAfter: number;
}

/** Times full-fine-tuning steps (Adam) of the reference model on the current backend. */
export async function benchFullTrainingStep(
  shape: ReferenceShape,
  options: { warmup: number; steps: number; seed?: number },
): Promise<StepBench> {
  setSeed(options.seed ?? 0);
  const model = new ReferenceEncoder(shape);
  model.train();
  const params: Parameter[] = model.parameters({ trainableOnly: true });
  const vars = params.map((p) => p.variable);
  const optimizer = tf.train.adam(1e-3);
  const ids = tf.randomUniform([shape.batch, shape.seq], 0, shape.vocab, 'int32', 1);
  const labels = tf.oneHot(tf.randomUniform([shape.batch], 0, shape.classes, 'int32', 2), shape.classes);

  const step = (): void => {
    const cost = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.call(ids)) as tf.Scalar,
      true,
      vars,
    );
    cost?.dataSync();
    cost?.dispose();
  };

  for (let i = 0; i < options.warmup; i++) step();
  const numTensorsBefore = tf.memory().numTensors;
  const stepsMs: number[] = [];
  for (let i = 0; i < options.steps; i++) {
    const t0 = performance.now();
    step();
    stepsMs.push(performance.now() - t0);
  }
  const numTensorsAfter = tf.memory().numTensors;
  const sorted = [...stepsMs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const result: StepBench = {
    medianMs,
    stepsMs,
    gflops: (3 * forwardFlops(shape)) / (medianMs / 1000) / 1e9,
    trainableParams: model.numParameters({ trainableOnly: true }),
    totalParams: model.numParameters(),
    numTensorsBefore,
    numTensorsAfter,
  };
  optimizer.dispose();
  tf.dispose([ids, labels]);
  model.dispose();
  return result;
}

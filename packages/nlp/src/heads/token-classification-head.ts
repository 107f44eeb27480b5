import { crossEntropy, type Head, type ModelBatch, type Prediction } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { textBackbone } from '../models/task/backbone.js';
import { TokenClassificationModel, type TokenClassifierOutput } from '../models/task/token-classification.js';
import { alignToTargets, requireLabels, targetsOf } from './head-support.js';

/** Targets equal to this (special tokens, padding, non-initial word pieces) carry no loss. */
export const IGNORE_INDEX = -100;

export const tokenClassificationHeadConfig = z.strictObject({
  dropout: z.number().min(0).max(1).optional(),
});

export type TokenClassificationHeadConfig = z.output<typeof tokenClassificationHeadConfig>;

/** Arg-max class and target of every position whose target is not ignored (host arrays). */
function labelledPositions(
  logits: tf.Tensor,
  targets: tf.Tensor,
): { predictions: number[]; targets: number[] } {
  const pred = tf.argMax(logits, -1);
  const p = pred.dataSync();
  const t = targets.dataSync();
  pred.dispose();
  const out = { predictions: [] as number[], targets: [] as number[] };
  for (let i = 0; i < t.length; i++) {
    if (t[i] === IGNORE_INDEX) continue;
    out.predictions.push(p[i] as number);
    out.targets.push(t[i] as number);
  }
  return out;
}

/**
 * `nlp/token-classification`: one label per word (NER, POS). Targets are `[B, T]` class ids with
 * -100 on special tokens, padding and word pieces after the first; metrics see only labelled
 * positions; predictions list one label per word (first piece).
 */
export const tokenClassificationHead: Head<TokenClassificationHeadConfig, TokenClassifierOutput> = {
  id: 'nlp/token-classification',
  task: 'token-classification',
  description: 'one label per word: linear classifier on every token, cross-entropy on first word pieces',
  configSchema: tokenClassificationHeadConfig,
  defaultMetrics: ['accuracy', 'macro_f1'],
  hf: { classSuffix: 'ForTokenClassification', taskTypes: ['TOKEN_CLS'] },
  build({ base, config, labels }) {
    const numLabels = requireLabels(labels, 'nlp/token-classification').length;
    const model = new TokenClassificationModel(textBackbone(base, 'nlp/token-classification'), {
      numLabels,
      ...(config.dropout !== undefined ? { dropout: config.dropout } : {}),
    });
    return { model, basePath: model.basePath, headPaths: [...model.headPaths] };
  },
  loss(outputs: TokenClassifierOutput, batch: ModelBatch): tf.Scalar {
    const targets = targetsOf(batch, 'nlp/token-classification');
    return crossEntropy(alignToTargets(outputs.logits, targets.shape[1] as number), targets, {
      ignoreIndex: IGNORE_INDEX,
    }) as tf.Scalar;
  },
  metricInputs(outputs: TokenClassifierOutput, batch: ModelBatch) {
    const targets = targetsOf(batch, 'nlp/token-classification');
    return labelledPositions(alignToTargets(outputs.logits, targets.shape[1] as number), targets);
  },
  async predict(outputs: TokenClassifierOutput, { labels }): Promise<Prediction[]> {
    const ids = tf.argMax(outputs.logits, -1);
    const rows = (await ids.array()) as number[][];
    ids.dispose();
    const starts = outputs.wordStarts ? ((await outputs.wordStarts.array()) as number[][]) : undefined;
    return rows.map((row, b) => ({
      value: row
        .filter((_, t) => (starts ? starts[b]?.[t] === 1 : true))
        .map((c) => labels?.[c] ?? String(c)),
    }));
  },
};

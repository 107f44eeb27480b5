import { crossEntropy, type Head, type ModelBatch, type Prediction } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { BertModel } from '../models/bert/model.js';
import { DistilBertModel } from '../models/distilbert/model.js';
import { DistilBertMaskedLmModel } from '../models/task/distilbert-masked-lm.js';
import { MaskedLmModel } from '../models/task/masked-lm.js';
import { isTextBatch } from '../preprocess/text-batch.js';
import { alignToTargets, targetsOf } from './head-support.js';
import { IGNORE_INDEX } from './token-classification-head.js';

export const maskedLmHeadConfig = z.strictObject({});

/**
 * `nlp/masked-lm`: BERT's masked-language-model pretraining head (HF `BertForMaskedLM`, or
 * `DistilBertForMaskedLM` on a DistilBERT base), used to
 * pretrain a base and for continued (domain-adaptive) pretraining. Targets are the original ids
 * at masked positions and -100 elsewhere (masking happens in the preprocessor); the metric is
 * the accuracy on masked tokens. Predictions fill the `[MASK]` tokens of the input text with the
 * most likely tokens and decode it.
 */
export const maskedLmHead: Head<Record<string, never>, tf.Tensor> = {
  id: 'nlp/masked-lm',
  task: 'masked-lm',
  description:
    'BERT/DistilBERT masked-LM head (decoder tied to the word embeddings), cross-entropy on masked tokens',
  configSchema: maskedLmHeadConfig,
  defaultMetrics: ['accuracy'],
  build({ base, architecture }) {
    let model: MaskedLmModel | DistilBertMaskedLmModel;
    if (base instanceof BertModel) model = new MaskedLmModel(base);
    else if (base instanceof DistilBertModel) model = new DistilBertMaskedLmModel(base);
    else {
      throw new Error(
        `nlp/masked-lm needs a BERT or DistilBERT base (got ${architecture}); for GPT-2 use nlp/causal-lm`,
      );
    }
    return { model, basePath: model.basePath, headPaths: [...model.headPaths] };
  },
  loss(logits: tf.Tensor, batch: ModelBatch): tf.Scalar {
    const targets = targetsOf(batch, 'nlp/masked-lm');
    return crossEntropy(alignToTargets(logits, targets.shape[1] as number), targets, {
      ignoreIndex: IGNORE_INDEX,
    }) as tf.Scalar;
  },
  metricInputs(logits: tf.Tensor, batch: ModelBatch) {
    const all = targetsOf(batch, 'nlp/masked-lm');
    const pred = tf.argMax(alignToTargets(logits, all.shape[1] as number), -1).dataSync();
    const t = all.dataSync();
    const predictions: number[] = [];
    const targets: number[] = [];
    t.forEach((y, i) => {
      if (y === IGNORE_INDEX) return;
      predictions.push(pred[i] as number);
      targets.push(y);
    });
    return { predictions, targets };
  },
  async predict(logits: tf.Tensor, { batch }): Promise<Prediction[]> {
    const input = batch.inputs[0];
    const ids = tf.argMax(
      input instanceof tf.Tensor ? alignToTargets(logits, input.shape[1] as number) : logits,
      -1,
    );
    const best = (await ids.array()) as number[][];
    ids.dispose();
    if (!isTextBatch(batch)) return best.map((value) => ({ value }));
    const tok = batch.tokenizer;
    const mask = tok.maybeSpecialId('mask');
    const length = batch.inputs[0].shape[1] as number;
    return batch.rows.map((row, b) => {
      const at = tok.paddingSide === 'left' ? length - row.length : 0;
      const filled = row.map((id, t) => (id === mask ? (best[b]?.[at + t] as number) : id));
      return { value: tok.decode(filled, { skipSpecialTokens: true }) };
    });
  },
};

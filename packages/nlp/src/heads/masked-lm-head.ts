import {
  type AnyModule,
  crossEntropy,
  type Head,
  type ModelBatch,
  type PredictContext,
  type Prediction,
} from '@peftkit/core';
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
 * The head's forward with targets: logits `[M, V]` at the M scored positions only (targets not
 * -100, in flat `B * T` order) and those targets `[M]`. Without targets it is the full `[B, T, V]`.
 */
export type MaskedLmScored = { logits: tf.Tensor; targets: tf.Tensor };

/** What the head's forward returns (a plain tensor: full logits, as the model's own forward). */
export type MaskedLmOutputs = tf.Tensor | MaskedLmScored;

/** Flat `B * T` indices of the scored targets and their values (host side: targets are small). */
function scoredPositions(targets: tf.Tensor): { positions: number[]; values: number[] } {
  const positions: number[] = [];
  const values: number[] = [];
  targets.dataSync().forEach((y, i) => {
    if (y === IGNORE_INDEX) return;
    positions.push(i);
    values.push(y);
  });
  return { positions, values };
}

/** Logits and targets to score: the gathered pair, or full `[B, T', V]` logits aligned to `[B, T]` targets. */
function scored(outputs: MaskedLmOutputs, batch: ModelBatch): { logits: tf.Tensor; targets: tf.Tensor } {
  if (!(outputs instanceof tf.Tensor)) return outputs;
  const targets = targetsOf(batch, 'nlp/masked-lm');
  return { logits: alignToTargets(outputs, targets.shape[1] as number), targets };
}

/** Full `[B, T, V]` logits for decoding: re-runs the model when the forward gathered. */
function fullLogits(outputs: MaskedLmOutputs, { model, batch }: PredictContext): tf.Tensor {
  return outputs instanceof tf.Tensor ? outputs : (model.forward(...batch.inputs) as tf.Tensor);
}

/**
 * `nlp/masked-lm`: BERT's masked-language-model pretraining head (HF `BertForMaskedLM`, or
 * `DistilBertForMaskedLM` on a DistilBERT base), used to
 * pretrain a base and for continued (domain-adaptive) pretraining. Targets are the original ids
 * at masked positions and -100 elsewhere (masking happens in the preprocessor); the metric is
 * the accuracy on masked tokens. Predictions fill the `[MASK]` tokens of the input text with the
 * most likely tokens and decode it.
 *
 * With targets, the forward computes the transform and the vocabulary decoder only at the scored
 * positions (~15% of tokens): the full `[B, T, V]` logits are most of a small model's step, and the
 * loss and accuracy read no other position, so they are the same values.
 */
export const maskedLmHead: Head<Record<string, never>, MaskedLmOutputs> = {
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
  forward(model: AnyModule, batch: ModelBatch): MaskedLmOutputs {
    const [ids, inputs] = batch.inputs as [tf.Tensor, Record<string, tf.Tensor>?];
    if (!batch.targets) return model.forward(...batch.inputs) as tf.Tensor;
    const { positions, values } = scoredPositions(batch.targets);
    // No scored position: the full logits keep the plain path's result (a NaN mean loss).
    if (positions.length === 0) return model.forward(...batch.inputs) as tf.Tensor;
    const at = tf.tensor1d(positions, 'int32');
    return {
      logits: model.forward(ids, inputs ?? {}, at) as tf.Tensor,
      targets: tf.tensor1d(values, 'int32'),
    };
  },
  loss(outputs: MaskedLmOutputs, batch: ModelBatch): tf.Scalar {
    const { logits, targets } = scored(outputs, batch);
    return crossEntropy(logits, targets, { ignoreIndex: IGNORE_INDEX }) as tf.Scalar;
  },
  metricInputs(outputs: MaskedLmOutputs, batch: ModelBatch) {
    const { logits, targets: all } = scored(outputs, batch);
    const pred = tf.argMax(logits, -1).dataSync();
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
  async predict(outputs: MaskedLmOutputs, context): Promise<Prediction[]> {
    const { batch } = context;
    const input = batch.inputs[0];
    const ids = tf.tidy(() => {
      const logits = fullLogits(outputs, context);
      return tf.argMax(
        input instanceof tf.Tensor ? alignToTargets(logits, input.shape[1] as number) : logits,
        -1,
      );
    });
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

import {
  type AnyModule,
  crossEntropy,
  type Head,
  type ModelBatch,
  PeftModel,
  type Prediction,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { Gpt2Model } from '../models/gpt2/model.js';
import { CausalLmModel } from '../models/task/causal-lm.js';
import { isTextBatch } from '../preprocess/text-batch.js';
import { generate } from './generation.js';
import { alignToTargets, targetsOf } from './head-support.js';
import { IGNORE_INDEX } from './token-classification-head.js';

export const causalLmHeadConfig = z.strictObject({
  /** `peftkit predict`: tokens generated after each prompt. */
  maxNewTokens: z.number().int().nonnegative().default(40),
  /** Sample instead of greedy decoding. */
  doSample: z.boolean().default(false),
  temperature: z.number().positive().default(1),
  topK: z.number().int().positive().optional(),
  topP: z.number().gt(0).max(1).default(1),
  /** Seed for sampling (default: the run's seed through the process generator). */
  seed: z.number().int().optional(),
});

export type CausalLmHeadConfig = z.output<typeof causalLmHeadConfig>;

/** The causal LM inside a prediction model (a PeftModel wraps it). */
function causalModel(model: AnyModule): CausalLmModel | undefined {
  const inner = model instanceof PeftModel ? model.model : model;
  return inner instanceof CausalLmModel ? inner : undefined;
}

/** Logits of positions 0..T-2 and targets of positions 1..T-1: each token predicts the next. */
function shifted(all: tf.Tensor, targets: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const logits = alignToTargets(all, targets.shape[1] as number);
  const [b, t, v] = logits.shape as [number, number, number];
  return [tf.slice(logits, [0, 0, 0], [b, t - 1, v]), tf.slice(targets, [0, 1], [b, t - 1])];
}

/**
 * `nlp/causal-lm`: next-token prediction (HF `GPT2LMHeadModel`, head tied to `wte`). Targets are
 * the input ids with -100 at padding; the loss shifts them by one. Metric inputs are the per-token
 * negative log-likelihoods (for `perplexity`). Predictions are generated continuations of each
 * input (greedy or sampled, per the head config), decoded with the batch's tokenizer.
 */
export const causalLmHead: Head<CausalLmHeadConfig, tf.Tensor> = {
  id: 'nlp/causal-lm',
  task: 'causal-lm',
  description: 'GPT-2 language-model head tied to the token embedding, next-token cross-entropy',
  configSchema: causalLmHeadConfig,
  defaultMetrics: ['perplexity'],
  build({ base, architecture, config }) {
    if (!(base instanceof Gpt2Model)) {
      throw new Error(`nlp/causal-lm needs a GPT-2 base (got ${architecture}); for BERT use nlp/masked-lm`);
    }
    const model = new CausalLmModel(base);
    model.generation = config;
    return { model, basePath: model.basePath, headPaths: [...model.headPaths] };
  },
  loss(logits: tf.Tensor, batch: ModelBatch): tf.Scalar {
    const [l, t] = shifted(logits, targetsOf(batch, 'nlp/causal-lm'));
    return crossEntropy(l, t, { ignoreIndex: IGNORE_INDEX }) as tf.Scalar;
  },
  metricInputs(logits: tf.Tensor, batch: ModelBatch) {
    const [l, t] = shifted(logits, targetsOf(batch, 'nlp/causal-lm'));
    const nll = crossEntropy(l, t, { ignoreIndex: IGNORE_INDEX, reduction: 'none' }).dataSync();
    const ids = t.dataSync();
    const predictions: number[] = [];
    ids.forEach((y, i) => {
      if (y !== IGNORE_INDEX) predictions.push(nll[i] as number);
    });
    return { predictions, targets: predictions.map(() => 0) };
  },
  async predict(logits: tf.Tensor, { model, batch }): Promise<Prediction[]> {
    const lm = causalModel(model);
    if (lm && isTextBatch(batch)) {
      const settings = lm.generation;
      const tok = batch.tokenizer;
      const eos = tok.maybeSpecialId('eos');
      const out = generate(lm, batch.rows, {
        ...settings,
        ...(eos !== undefined ? { stopTokens: [eos] } : {}),
        padTokenId: tok.padId,
      });
      return out.map((ids) => ({ value: tok.decode(ids, { skipSpecialTokens: true }) }));
    }
    const [b, t] = logits.shape as [number, number, number];
    const next = tf.argMax(tf.reshape(tf.slice(logits, [0, t - 1, 0], [b, 1, -1]), [b, -1]), -1);
    const ids = Array.from(await next.data());
    next.dispose();
    return ids.map((value) => ({ value }));
  },
};

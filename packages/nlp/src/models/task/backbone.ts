import type { AnyModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { BERT_BASE_PREFIX } from '../bert/checkpoint.js';
import { BertModel } from '../bert/model.js';
import { prependToTextInputs } from '../common/virtual-tokens.js';
import { DISTILBERT_BASE_PREFIX } from '../distilbert/checkpoint.js';
import { DistilBertModel } from '../distilbert/model.js';
import { GPT2_BASE_PREFIX } from '../gpt2/checkpoint.js';
import { Gpt2Model } from '../gpt2/model.js';

/** The text base models the task models wrap. */
export type TextBackbone = BertModel | DistilBertModel | Gpt2Model;

/** What every text task model's forward takes besides the token ids. */
export type TextInputs = {
  /** `[B, T]`, 1 = token, 0 = padding. */
  attentionMask?: tf.Tensor;
  /** int32 `[B, T]` segment ids (BERT only; ignored by DistilBERT and GPT-2). */
  tokenTypeIds?: tf.Tensor;
  /** `[B, T]`, 1 where a token starts a word (token classification reports one label per word). */
  wordStarts?: tf.Tensor;
};

/** The family of a base module, or an error naming what was given. */
export function textBackbone(base: AnyModule, caller: string): TextBackbone {
  if (base instanceof BertModel || base instanceof DistilBertModel || base instanceof Gpt2Model) return base;
  throw new Error(`${caller}: expected a BertModel, DistilBertModel or Gpt2Model base, got ${base.typeName}`);
}

/** HF's child name of the base in task models: `bert`, `distilbert` or `transformer`. */
export function basePrefixOf(base: TextBackbone): string {
  if (base instanceof BertModel) return BERT_BASE_PREFIX;
  return base instanceof DistilBertModel ? DISTILBERT_BASE_PREFIX : GPT2_BASE_PREFIX;
}

export function hiddenSizeOf(base: TextBackbone): number {
  if (base instanceof BertModel) return base.config.hidden_size;
  return base instanceof DistilBertModel ? base.config.dim : base.config.n_embd;
}

/** The base's hidden-state dropout, which HF's task heads reuse before their classifier. */
export function hiddenDropoutOf(base: TextBackbone): number {
  if (base instanceof BertModel) return base.config.hidden_dropout_prob;
  return base instanceof DistilBertModel ? base.config.dropout : base.config.resid_pdrop;
}

/** Runs the base: last hidden states `[B, T, H]` and (BERT with a pooler) the pooled `[B, H]`. */
export function runBackbone(
  base: TextBackbone,
  inputIds: tf.Tensor,
  inputs: TextInputs,
): { hidden: tf.Tensor; pooled: tf.Tensor | undefined } {
  if (base instanceof BertModel) {
    const out = base.forward(inputIds, {
      ...(inputs.attentionMask ? { attentionMask: inputs.attentionMask } : {}),
      ...(inputs.tokenTypeIds ? { tokenTypeIds: inputs.tokenTypeIds } : {}),
    });
    return { hidden: out.lastHiddenState, pooled: out.poolerOutput };
  }
  // DistilBERT and GPT-2 take no token types and have no pooler.
  const out = base.forward(inputIds, inputs.attentionMask ? { attentionMask: inputs.attentionMask } : {});
  return { hidden: out.lastHiddenState, pooled: undefined };
}

/**
 * Inputs with `count` virtual tokens in front (prompt tuning): the padding mask gets ones, the
 * token types and word starts zeros. Task models implement core's `PromptAware` with it.
 */
export function withVirtualTokens(args: [tf.Tensor, TextInputs?], count: number): [tf.Tensor, TextInputs?] {
  const [ids, inputs] = args;
  return inputs ? [ids, prependToTextInputs(inputs, count)] : args;
}

/** Mean of `hidden [B, T, H]` over the positions where `mask [B, T]` is 1 (all when no mask). */
export function meanPool(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
  if (!mask) return tf.mean(hidden, 1);
  const m = tf.expandDims(tf.cast(mask, 'float32'), 2);
  return tf.div(tf.sum(tf.mul(hidden, m), 1), tf.maximum(tf.sum(m, 1), 1));
}

/** `hidden[b, index[b]]` for int32 `index [B]`: `[B, H]`, as a one-hot contraction (no gather gradient). */
export function pickPositions(hidden: tf.Tensor, index: tf.Tensor): tf.Tensor {
  const t = hidden.shape[1] as number;
  const oneHot = tf.expandDims(tf.oneHot(tf.cast(index, 'int32'), t), 2); // [B, T, 1]
  return tf.sum(tf.mul(hidden, oneHot), 1);
}

/** Index of the last non-padding token of each row (`T - 1` without a mask). */
export function lastTokenIndex(mask: tf.Tensor | undefined, batch: number, length: number): tf.Tensor {
  if (!mask) return tf.fill([batch], length - 1, 'int32');
  // Position of the last 1: max over t of (t + 1) * mask, minus 1 (right or left padding alike).
  const pos = tf.mul(tf.cast(mask, 'float32'), tf.range(1, length + 1).reshape([1, length]));
  return tf.cast(tf.sub(tf.max(pos, 1), 1), 'int32');
}

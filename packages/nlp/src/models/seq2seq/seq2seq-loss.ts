import { crossEntropy } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { Seq2SeqOutputs, T5Inputs } from '../t5/model.js';
import type { Seq2SeqTokenIds } from './seq2seq-lm.js';

/** Label ids ignored by the loss (padding of the targets), as in HF. */
export const SEQ2SEQ_IGNORE_INDEX = -100;

/**
 * HF's `shift_tokens_right`: decoder inputs `[B, T]` from labels `[B, T]`, the start token in
 * front, the last label dropped, and ignored labels (-100) replaced by the pad token.
 *
 * @example shiftTokensRight(labels, { decoderStartTokenId: 0, padTokenId: 0 }) // [[0, l0, l1, ...]]
 */
export function shiftTokensRight(
  labels: tf.Tensor,
  ids: Pick<Seq2SeqTokenIds, 'decoderStartTokenId' | 'padTokenId'>,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, t] = labels.shape as [number, number];
    const start = tf.fill([b, 1], ids.decoderStartTokenId, 'int32');
    const body = tf.cast(tf.slice(labels, [0, 0], [b, t - 1]), 'int32');
    const filled = tf.where(
      tf.equal(body, SEQ2SEQ_IGNORE_INDEX),
      tf.fill(body.shape, ids.padTokenId, 'int32'),
      body,
    );
    return tf.concat([start, filled], 1) as tf.Tensor2D;
  });
}

/** What `seq2seqLmLoss` needs of a model. */
export interface Seq2SeqTrainable {
  readonly tokenIds: Seq2SeqTokenIds;
  call(inputIds: tf.Tensor, inputs: T5Inputs): Seq2SeqOutputs;
}

/**
 * Teacher-forced loss of an encoder-decoder, as HF's `*ForConditionalGeneration` with `labels`:
 * the decoder reads the labels shifted right, and the cross-entropy of every non-ignored label
 * (-100 = padding) is averaged; `labelSmoothing` as `torch.nn.CrossEntropyLoss(label_smoothing)`.
 *
 * @example const loss = seq2seqLmLoss(t5, ids, labels, { attentionMask, labelSmoothing: 0.1 });
 */
export function seq2seqLmLoss(
  model: Seq2SeqTrainable,
  inputIds: tf.Tensor,
  labels: tf.Tensor,
  options: { attentionMask?: tf.Tensor; labelSmoothing?: number } = {},
): tf.Scalar {
  return tf.tidy(() => {
    const decoderInputIds = shiftTokensRight(labels, model.tokenIds);
    const { logits } = model.call(inputIds, {
      decoderInputIds,
      ...(options.attentionMask ? { attentionMask: options.attentionMask } : {}),
    });
    return crossEntropy(logits, tf.cast(labels, 'int32'), {
      ignoreIndex: SEQ2SEQ_IGNORE_INDEX,
      labelSmoothing: options.labelSmoothing ?? 0,
    }) as tf.Scalar;
  });
}

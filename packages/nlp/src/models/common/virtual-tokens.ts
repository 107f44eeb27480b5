import { prependVirtualTokens } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** The per-position inputs a text model may take beside its token ids. */
export interface PerPositionTextInputs {
  /** `[B, T]`, 1 = token, 0 = padding: virtual tokens are real tokens (1). */
  attentionMask?: tf.Tensor;
  /** `[B, T]` segment ids: virtual tokens are in segment 0, as HF PEFT pads `token_type_ids`. */
  tokenTypeIds?: tf.Tensor;
  /** `[B, T]` word starts (token classification): virtual tokens start no word (0). */
  wordStarts?: tf.Tensor;
  /**
   * `[B, T]` positions: virtual tokens take `0 .. count - 1` (what they get without ids) and the
   * given positions shift by `count`, so a left-padded batch keeps its relative positions.
   */
  positionIds?: tf.Tensor;
}

/**
 * `inputs` with `count` virtual tokens in front of every per-position tensor (see the fields of
 * `PerPositionTextInputs`); other fields pass through unchanged. What a text model's
 * `PromptAware.withVirtualTokens` does with its options object.
 */
export function prependToTextInputs<T extends PerPositionTextInputs>(inputs: T, count: number): T {
  const out: T = { ...inputs };
  if (inputs.attentionMask) out.attentionMask = prependVirtualTokens(inputs.attentionMask, count, 1);
  if (inputs.tokenTypeIds) out.tokenTypeIds = prependVirtualTokens(inputs.tokenTypeIds, count, 0);
  if (inputs.wordStarts) out.wordStarts = prependVirtualTokens(inputs.wordStarts, count, 0);
  if (inputs.positionIds) {
    const ids = inputs.positionIds;
    if (ids.rank !== 2) throw new Error(`positionIds must be [B, T], got [${ids.shape}]`);
    const front = tf.tile(tf.range(0, count, 1, 'int32').reshape([1, count]), [ids.shape[0] as number, 1]);
    const shifted = tf.add(tf.cast(ids, 'int32'), tf.scalar(count, 'int32'));
    out.positionIds = tf.cast(tf.concat([front, shifted], 1), ids.dtype);
  }
  return out;
}

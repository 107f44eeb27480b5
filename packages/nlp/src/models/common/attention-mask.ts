import { additivePaddingMask } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/**
 * The additive mask `[B, 1, 1, T]` of an encoder call (undefined without `attentionMask`),
 * checked to cover the `length` positions of the embeddings (virtual tokens included).
 */
export function encoderPaddingMask(
  attentionMask: tf.Tensor | undefined,
  length: number,
  caller: string,
): tf.Tensor | undefined {
  if (!attentionMask) return undefined;
  const mask = additivePaddingMask(attentionMask, caller);
  if (mask.shape[3] !== length) {
    throw new Error(`${caller}: attentionMask covers ${mask.shape[3]} positions, the embeddings ${length}`);
  }
  return mask;
}

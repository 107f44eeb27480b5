import * as tf from '@tensorflow/tfjs';

/** Length of a 1-D convolution's output, as PyTorch computes it (`floor((L + 2p - k) / s) + 1`). */
export function convOutputLength(length: number, kernel: number, stride: number, padding = 0): number {
  return Math.floor((length + 2 * padding - kernel) / stride) + 1;
}

/** `convOutputLength` per row of an int32 `[B]` tensor, clamped at 0. */
export function convOutputLengths(
  lengths: tf.Tensor,
  kernel: number,
  stride: number,
  padding = 0,
): tf.Tensor {
  return tf.tidy(() =>
    tf.maximum(tf.add(tf.floorDiv(tf.add(lengths, 2 * padding - kernel), stride), 1), 0).toInt(),
  );
}

/** int32 `[B]` row sums of a 0/1 mask `[B, L]` (any dtype). */
export function maskLengths(mask: tf.Tensor, caller: string): tf.Tensor {
  if (mask.rank !== 2) throw new Error(`${caller}: attentionMask must be [B, L], got [${mask.shape}]`);
  return tf.tidy(() => tf.sum(tf.cast(tf.greater(mask, 0), 'int32'), 1));
}

/** float32 `[B, T]` with 1 at positions `< lengths[b]`, 0 after. */
export function lengthMask(lengths: tf.Tensor, t: number): tf.Tensor {
  return tf.tidy(() =>
    tf.cast(tf.less(tf.expandDims(tf.range(0, t, 1, 'int32'), 0), tf.expandDims(lengths, 1)), 'float32'),
  );
}

/** Checks an input-level mask against the input: `[B, L]` with the input's batch and length. */
export function checkInputMask(mask: tf.Tensor, batch: number, length: number, caller: string): void {
  if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== length) {
    throw new Error(
      `${caller}: attentionMask must be [${batch}, ${length}] (the input's [B, L]), got [${mask.shape}]`,
    );
  }
}

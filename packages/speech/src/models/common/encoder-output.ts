import type * as tf from '@tensorflow/tfjs';

/** Optional inputs of every speech encoder's forward pass. */
export interface SpeechEncoderInputs {
  /**
   * `[B, L]` over the input axis (samples for wav2vec2/HuBERT, frames for log-mel encoders): 1 =
   * real input, 0 = right padding. Without it every position counts.
   */
  attentionMask?: tf.Tensor;
}

/**
 * What every speech encoder returns: per-frame features plus the frame-level validity a head
 * needs to pool or to compute a CTC loss over the real frames only.
 */
export interface SpeechEncoderOutput {
  [key: string]: tf.Tensor;
  /** `[B, T, D]`. */
  lastHiddenState: tf.Tensor;
  /** float32 `[B, T]`: 1 for frames computed from real input, 0 for frames of padding. */
  attentionMask: tf.Tensor;
  /** int32 `[B]`: number of valid frames per row (the sum of `attentionMask`). */
  outputLengths: tf.Tensor;
}

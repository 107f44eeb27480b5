import { type AnyModule, getRng, type ModuleList } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/** An encoder layer: hidden states and a padding mask `[B, T]` (or undefined) in, hidden states out. */
export type SpeechEncoderLayer = AnyModule & {
  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor;
};

/**
 * Applies `layers` in order. In training mode each layer is skipped with probability `layerdrop`
 * (LayerDrop, as HF's speech encoders do), drawn from peftkit's seeded generator.
 */
export function runLayers(
  layers: ModuleList<SpeechEncoderLayer>,
  hidden: tf.Tensor,
  mask: tf.Tensor | undefined,
  drop: { training: boolean; layerdrop: number },
): tf.Tensor {
  let h = hidden;
  for (const layer of layers) {
    if (drop.training && drop.layerdrop > 0 && getRng().next() < drop.layerdrop) continue;
    h = layer.forward(h, mask);
  }
  return h;
}

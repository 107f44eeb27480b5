import { type AnyModule, Module, ModuleList } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/** An encoder layer: hidden states and an additive padding mask in, hidden states out. */
export type EncoderLayer = AnyModule & {
  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor;
};

/**
 * The stack of encoder layers under `layer` (`encoder.layer.0` in BERT, `transformer.layer.0` in
 * DistilBERT), applied in order with the same mask.
 */
export class EncoderLayerStack<L extends EncoderLayer> extends Module<
  [tf.Tensor, tf.Tensor | undefined],
  tf.Tensor
> {
  constructor(count: number, makeLayer: () => L) {
    super();
    this.registerModule('layer', new ModuleList(Array.from({ length: count }, makeLayer)));
  }

  forward(hidden: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
    let h = hidden;
    for (const layer of this.child<ModuleList<L>>('layer')) h = layer.forward(h, mask);
    return h;
  }
}

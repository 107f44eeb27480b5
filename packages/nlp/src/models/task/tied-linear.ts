import { type Embedding, Module, type Parameter } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

export interface TiedLinearOptions {
  /**
   * List the shared weight in this module's state dict as `weight` (default true: GPT-2's
   * `lm_head.weight`). False keeps it out, so the module can sit inside a head that is saved and
   * copied whole (`modulesToSave`) without copying the embedding: the tie is kept by reference.
   */
  listWeight?: boolean;
  /** An own output bias `bias` `[V]`, initialised to zero (DistilBERT's `vocab_projector.bias`). */
  bias?: boolean;
}

/**
 * An output projection that shares its weight with an input embedding (weight tying, HF's
 * `tie_word_embeddings`): `y = x @ E^T (+ b)` with `E` the embedding's `[V, H]` parameter. Listed,
 * the weight is adopted under the name `weight` so the state dict shows it at the HF key
 * (`lm_head.weight`); the tree lists the shared parameter once.
 *
 * @example const lmHead = new TiedLinear(gpt2.wte); // logits = lmHead.call(hidden)
 */
export class TiedLinear extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(embedding: Embedding, options: TiedLinearOptions = {}) {
    super();
    this.weight =
      (options.listWeight ?? true) ? this.adoptParameter('weight', embedding.weight) : embedding.weight;
    const vocab = embedding.weight.shape[0] as number;
    this.bias = options.bias ? this.initParameter('bias', () => tf.zeros([vocab])) : undefined;
  }

  get outFeatures(): number {
    return this.weight.shape[0] as number;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const [v, h] = this.weight.shape as [number, number];
    const flat = tf.reshape(x, [-1, h]);
    let y = tf.matMul(flat, this.weight.value, false, true);
    if (this.bias) y = tf.add(y, this.bias.value);
    return tf.reshape(y, [...x.shape.slice(0, -1), v]);
  }
}

import { type Embedding, Module, type Parameter } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/**
 * An output projection that shares its weight with an input embedding (weight tying, HF's
 * `tie_word_embeddings`): `y = x @ E^T (+ b)` with `E` the embedding's `[V, H]` parameter, adopted
 * under the name `weight` so the state dict shows it at the HF key (`lm_head.weight`,
 * `cls.predictions.decoder.weight`); the tree lists the shared parameter once.
 *
 * @example const lmHead = new TiedLinear(gpt2.wte); // logits = lmHead.call(hidden)
 */
export class TiedLinear extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(embedding: Embedding, options: { bias?: Parameter } = {}) {
    super();
    this.weight = this.adoptParameter('weight', embedding.weight);
    this.bias = options.bias;
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

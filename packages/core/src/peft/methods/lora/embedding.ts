import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Embedding, normal, type Parameter, stopGradient, zeros } from '../../../nn/index.js';
import { isTapeRecording } from '../../../runtime/recording.js';
import { AdapterModuleDict, AdapterParameterDict, type AdapterRouting } from '../../adapter-layer.js';
import type { LoraLayerSettings } from './config.js';
import { type LoraFactors, LoraLayer } from './layer-common.js';

/**
 * Per-adapter raw parameters that carry a file layout. HF stores `lora_embedding_A` as
 * `[r, num_embeddings]` and `lora_embedding_B` as `[embedding_dim, r]`; peftkit keeps them as
 * `[num, r]` / `[r, dim]` (layout `'linear'`, transposed at the file boundary) so that the
 * forward is a gather plus a plain matMul.
 */
class LoraParameterDict extends AdapterParameterDict {
  initWithLayout(name: string, make: () => tf.Tensor): Parameter {
    return this.initParameter(name, make, { trainable: true, layout: 'linear' });
  }
}

/**
 * LoRA on an `Embedding`, as HF PEFT: `y = E[ids] + (A^T[ids] @ B^T) * scaling` with
 * `lora_embedding_A` (`[r, num]` in files) and `lora_embedding_B` (`[dim, r]`) held as
 * ParameterDict entries, so file keys read `...word_embeddings.lora_embedding_A`.
 *
 * As in HF: A starts at zero and B ~ N(0, 1) (`initLoraWeights: true` and `'gaussian'` alike),
 * `loraDropout` is not applied, the padding row of A receives no gradient, `loraBias` and PiSSA
 * are not available. DoRA is supported (magnitude per embedding dimension).
 */
export class LoraEmbedding extends LoraLayer {
  readonly adapterContainers = ['lora_embedding_A', 'lora_embedding_B', 'lora_magnitude_vector'] as const;

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Embedding))
      throw new Error(`LoraEmbedding wraps an Embedding, got ${base.typeName}`);
    super(base, routing);
    this.registerModule('lora_embedding_A', new LoraParameterDict());
    this.registerModule('lora_embedding_B', new LoraParameterDict());
    this.registerModule('lora_magnitude_vector', new AdapterModuleDict());
  }

  get embedding(): Embedding {
    return this.base as Embedding;
  }

  private params(which: 'lora_embedding_A' | 'lora_embedding_B'): LoraParameterDict {
    return this.child<LoraParameterDict>(which);
  }

  protected createAdapter(name: string, s: LoraLayerSettings): void {
    const { numEmbeddings, embeddingDim } = this.embedding;
    // HF: with init false both start random; otherwise A = 0, B ~ N(0, 1).
    const zeroA = s.initLoraWeights !== false;
    this.params('lora_embedding_A').initWithLayout(name, () =>
      zeroA ? zeros([numEmbeddings, s.r]) : normal([numEmbeddings, s.r]),
    );
    this.params('lora_embedding_B').initWithLayout(name, () => normal([s.r, embeddingDim]));
  }

  /** Ids pass through unchanged: HF applies no dropout on the embedding's LoRA path. */
  protected override dropoutInput(_name: string, ids: tf.Tensor): tf.Tensor {
    return ids;
  }

  protected loraPath(name: string, ids: tf.Tensor): tf.Tensor {
    const a = this.params('lora_embedding_A').get(name).value;
    const b = this.params('lora_embedding_B').get(name).value;
    let afterA = tf.gather(a, ids);
    const pad = this.embedding.paddingIdx;
    if (pad !== undefined) {
      // F.embedding(padding_idx) semantics: the padding row's value is used, its gradient is zero.
      const isPad = tf.expandDims(tf.cast(tf.equal(ids, pad), 'float32'), -1);
      afterA = tf.add(tf.mul(stopGradient(afterA), isPad), tf.mul(afterA, tf.sub(1, isPad)));
    }
    const r = a.shape[1] as number;
    const y = tf.matMul(tf.reshape(afterA, [-1, r]), b);
    return tf.reshape(y, [...ids.shape, this.embedding.embeddingDim]);
  }

  loraFactors(name: string): LoraFactors {
    return {
      a: this.params('lora_embedding_A').get(name).value.clone() as tf.Tensor2D,
      b: this.params('lora_embedding_B').get(name).value.clone() as tf.Tensor2D,
    };
  }

  protected override factorViews(name: string): LoraFactors {
    return {
      a: this.params('lora_embedding_A').get(name).value as tf.Tensor2D,
      b: this.params('lora_embedding_B').get(name).value as tf.Tensor2D,
    };
  }

  /** A gather of the stacked A rows; under a tape with a padding row, the masked pass keeps its zero gradient. */
  protected override stackedLowRankInput(ids: tf.Tensor, a: tf.Tensor2D): tf.Tensor | undefined {
    if (this.embedding.paddingIdx !== undefined && isTapeRecording()) return undefined;
    return tf.gather(a, ids);
  }

  assignLoraFactors(name: string, a: tf.Tensor2D, b: tf.Tensor2D): void {
    this.params('lora_embedding_A').get(name).assign(a);
    this.params('lora_embedding_B').get(name).assign(b);
  }
}

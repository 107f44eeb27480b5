import { type AnyModule, Conv2d, LayerNorm, Linear, Module, normal, type Parameter } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { patchGrid, type ViTConfig, type ViTConfigInput, vitConfigSchema } from './config.js';
import { ViTEmbeddings } from './embeddings.js';
import { ViTEncoder } from './layer.js';

/** Overwrites a parameter with a tensor made in a tidy scope. */
function refill(p: Parameter, make: () => tf.Tensor): void {
  const t = tf.tidy(make);
  p.assign(t);
  t.dispose();
}

/**
 * HF's init for ViT: Linear and Conv2d weights N(0, initializer_range), biases zero (LayerNorms
 * and the embeddings are already initialised by their constructors). Draws from the process RNG.
 */
export function initViTWeights(model: AnyModule, std: number): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof Linear || m instanceof Conv2d) {
      refill(m.weight, () => normal(m.weight.shape, std));
      const b = m.bias;
      if (b) refill(b, () => tf.zeros(b.shape));
    }
  }
}

/**
 * A Vision Transformer with Hugging Face `ViTModel`'s module names, so HF checkpoints and
 * `target_modules` such as `["query", "value"]` work unchanged:
 * `embeddings.{cls_token, position_embeddings, patch_embeddings.projection}`,
 * `encoder.layer.N.{attention.attention.{query,key,value}, attention.output.dense,
 * intermediate.dense, output.dense, layernorm_before, layernorm_after}`, `layernorm`.
 *
 * Input is NHWC `[B, H, W, C]` (HF takes NCHW; the patch projection's OIHW file layout is
 * converted at load). `forward` returns the pooled features `[B, d]` a head consumes (the class
 * token after the final LayerNorm, as `ViTForImageClassification` reads it, or the mean patch
 * token with `pooling: 'mean'`); `forwardSequence` returns the whole last hidden state.
 *
 * @example
 * const vit = new ViTModel({ image_size: 16, patch_size: 8, hidden_size: 16, num_hidden_layers: 2,
 *   num_attention_heads: 2, intermediate_size: 32 });
 * const features = vit.call(tf.zeros([2, 16, 16, 3])); // [2, 16]
 */
export class ViTModel extends Module<[tf.Tensor], tf.Tensor> {
  readonly config: ViTConfig;

  constructor(config: ViTConfigInput = {}) {
    super();
    const c = vitConfigSchema.parse(config);
    this.config = Object.freeze(c);
    this.registerModule(
      'embeddings',
      new ViTEmbeddings({
        hiddenSize: c.hidden_size,
        numChannels: c.num_channels,
        patchSize: c.patch_size,
        grid: patchGrid(c),
        dropout: c.hidden_dropout_prob,
        initializerRange: c.initializer_range,
        positionInterpolation: c.position_interpolation,
      }),
    );
    this.registerModule('encoder', new ViTEncoder(c));
    this.registerModule('layernorm', new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps }));
    initViTWeights(this, c.initializer_range);
  }

  /** The last hidden state `[B, 1 + N, d]` (after the final LayerNorm). */
  forwardSequence(pixels: tf.Tensor): tf.Tensor {
    const h = this.child('encoder').call(this.child('embeddings').call(pixels));
    return this.child('layernorm').call(h);
  }

  /** Pooled features `[B, d]`. */
  forward(pixels: tf.Tensor): tf.Tensor {
    const seq = this.forwardSequence(pixels);
    const [b, t, d] = seq.shape as [number, number, number];
    if (this.config.pooling === 'mean') return tf.mean(tf.slice(seq, [0, 1, 0], [b, t - 1, d]), 1);
    return tf.reshape(tf.slice(seq, [0, 0, 0], [b, 1, d]), [b, d]);
  }
}

import {
  activationFromName,
  type Embedding,
  LayerNorm,
  Linear,
  Module,
  type PromptAware,
  resetFill,
  resetNormal,
  type UnaryModule,
} from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { DISTILBERT_LAYER_NORM_EPS } from '../distilbert/config.js';
import type { DistilBertModel } from '../distilbert/model.js';
import { runBackbone, type TextInputs } from './backbone.js';
import { hiddenAt, type MaskedLmArgs, maskedLmWithVirtualTokens } from './masked-lm.js';
import { TiedLinear } from './tied-linear.js';

/**
 * HF's `DistilBertForMaskedLM`: `distilbert`, then `vocab_transform` (dim -> dim), the
 * activation, `vocab_layer_norm` and `vocab_projector`, whose weight is tied to
 * `distilbert.embeddings.word_embeddings.weight` (held by reference) and whose bias is its own
 * (`vocab_projector.bias`). Output: vocabulary logits `[B, T, V]`, or `[M, V]` at the given flat
 * positions only (as `MaskedLmModel`).
 */
export class DistilBertMaskedLmModel
  extends Module<MaskedLmArgs, tf.Tensor>
  implements PromptAware<MaskedLmArgs>
{
  readonly basePath = 'distilbert';
  /** The head: transform, norm and projector bias (the projector weight is the embedding). */
  readonly headPaths: readonly string[] = ['vocab_transform', 'vocab_layer_norm', 'vocab_projector'];
  private readonly act: UnaryModule;

  constructor(base: DistilBertModel) {
    super();
    const { dim, initializer_range: std } = base.config;
    this.registerModule('distilbert', base);
    const transform = this.registerModule('vocab_transform', new Linear(dim, dim));
    resetNormal(transform.weight, std);
    if (transform.bias) resetFill(transform.bias, 0);
    this.registerModule('vocab_layer_norm', new LayerNorm(dim, { eps: DISTILBERT_LAYER_NORM_EPS }));
    const words = base.getSubmodule('embeddings.word_embeddings') as Embedding;
    this.registerModule('vocab_projector', new TiedLinear(words, { listWeight: false, bias: true }));
    this.act = activationFromName(base.config.activation);
  }

  get base(): DistilBertModel {
    return this.child<DistilBertModel>('distilbert');
  }

  withVirtualTokens(inputs: MaskedLmArgs, count: number): MaskedLmArgs {
    return maskedLmWithVirtualTokens(inputs, count);
  }

  forward(inputIds: tf.Tensor, inputs: TextInputs = {}, positions?: tf.Tensor): tf.Tensor {
    const { hidden: all } = runBackbone(this.base, inputIds, inputs);
    const hidden = positions ? hiddenAt(all, inputIds, positions) : all;
    const h = this.act.forward(this.child<UnaryModule>('vocab_transform').forward(hidden));
    const normed = this.child<UnaryModule>('vocab_layer_norm').forward(h);
    return this.child<UnaryModule>('vocab_projector').forward(normed);
  }

  /** Logits `[M, V]` at flat `positions` (int32 `[M]`, indices into `B * T`) only. */
  forwardAt(inputIds: tf.Tensor, inputs: TextInputs, positions: tf.Tensor): tf.Tensor {
    return this.forward(inputIds, inputs, positions);
  }
}

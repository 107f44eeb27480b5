import {
  activationFromName,
  type Embedding,
  LayerNorm,
  Linear,
  Module,
  type Parameter,
  type PromptAware,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from '../bert/config.js';
import type { BertModel } from '../bert/model.js';
import { resetFill, resetNormal } from '../common/init-weights.js';
import { runBackbone, type TextInputs, withVirtualTokens } from './backbone.js';
import { TiedLinear } from './tied-linear.js';

/** `cls.predictions.transform`: dense, activation, LayerNorm. */
export class BertPredictionHeadTransform extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;

  constructor(config: BertConfig) {
    super();
    const d = this.registerModule('dense', new Linear(config.hidden_size, config.hidden_size));
    this.registerModule('LayerNorm', new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps }));
    this.act = activationFromName(config.hidden_act);
    resetNormal(d.weight, config.initializer_range);
    if (d.bias) resetFill(d.bias, 0);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.child<UnaryModule>('LayerNorm').forward(
      this.act.forward(this.child<UnaryModule>('dense').forward(x)),
    );
  }
}

/**
 * `cls.predictions`: transform, then the decoder tied to the word embeddings, plus `bias` (HF's
 * `cls.predictions.bias`). The decoder lists no weight of its own, so this whole module is the
 * MLM head (`modulesToSave`, head files, reuse from a base) without copying the embedding.
 */
export class BertLmPredictionHead extends Module<[tf.Tensor], tf.Tensor> {
  readonly bias: Parameter;

  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super();
    this.registerModule('transform', new BertPredictionHeadTransform(config));
    this.bias = this.initParameter('bias', () => tf.zeros([config.vocab_size]));
    this.registerModule('decoder', new TiedLinear(wordEmbeddings, { listWeight: false }));
  }

  forward(hidden: tf.Tensor): tf.Tensor {
    const transformed = this.child<UnaryModule>('transform').forward(hidden);
    return tf.add(this.child<UnaryModule>('decoder').forward(transformed), this.bias.value);
  }
}

/** `cls` of HF's `BertOnlyMLMHead`. */
class BertOnlyMlmHead extends Module<[tf.Tensor], tf.Tensor> {
  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super();
    this.registerModule('predictions', new BertLmPredictionHead(config, wordEmbeddings));
  }

  forward(hidden: tf.Tensor): tf.Tensor {
    return this.child<UnaryModule>('predictions').forward(hidden);
  }
}

/**
 * HF's `BertForMaskedLM`: `bert` and `cls.predictions.{transform.dense, transform.LayerNorm, bias,
 * decoder}` with the decoder weight tied to `bert.embeddings.word_embeddings.weight` (held by
 * reference, as HF's files leave the tied key out). Output: vocabulary logits `[B, T, V]`.
 */
export class MaskedLmModel
  extends Module<[tf.Tensor, TextInputs?], tf.Tensor>
  implements PromptAware<[tf.Tensor, TextInputs?]>
{
  readonly basePath = 'bert';
  /** The head: transform and output bias (the decoder weight is the embedding itself). */
  readonly headPaths: readonly string[] = ['cls.predictions'];

  constructor(base: BertModel) {
    super();
    this.registerModule('bert', base);
    const words = base.getSubmodule('embeddings.word_embeddings') as Embedding;
    this.registerModule('cls', new BertOnlyMlmHead(base.config, words));
  }

  get base(): BertModel {
    return this.child<BertModel>('bert');
  }

  withVirtualTokens(inputs: [tf.Tensor, TextInputs?], count: number): [tf.Tensor, TextInputs?] {
    return withVirtualTokens(inputs, count);
  }

  forward(inputIds: tf.Tensor, inputs: TextInputs = {}): tf.Tensor {
    const { hidden } = runBackbone(this.base, inputIds, inputs);
    return this.child<UnaryModule>('cls').forward(hidden);
  }
}

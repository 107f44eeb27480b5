import {
  initTransformerWeights,
  Linear,
  Module,
  type PromptAware,
  TransformerEncoder,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { encoderPaddingMask } from '../common/attention-mask.js';
import { prependToTextInputs } from '../common/virtual-tokens.js';
import type { BertConfig } from './config.js';
import { BertEmbeddings } from './embeddings.js';
import { BertLayer } from './layer.js';

/** Optional inputs of a BERT forward pass. */
export interface BertInputs {
  /** `[B, T]`, 1 = token, 0 = padding (default: all ones). */
  attentionMask?: tf.Tensor;
  /** int32 `[B, T]` segment ids (default zeros). */
  tokenTypeIds?: tf.Tensor;
}

/** What `BertModel` returns. */
export interface BertOutputs {
  [key: string]: tf.Tensor | undefined;
  /** `[B, T, H]`. */
  lastHiddenState: tf.Tensor;
  /** `tanh(pooler.dense(h[:, 0]))`, `[B, H]`, when the model has a pooler. */
  poolerOutput?: tf.Tensor;
}

/** `encoder`: the stack of layers under `layer` (`encoder.layer.0`, ...). */
export class BertEncoder extends TransformerEncoder<BertLayer> {
  constructor(config: BertConfig) {
    super(() => new BertLayer(config), config.num_hidden_layers, { layersName: 'layer' });
  }
}

/** `pooler`: `tanh(dense(h[:, 0]))`, the [CLS] summary BERT's NSP head was trained on. */
export class BertPooler extends Module<[tf.Tensor], tf.Tensor> {
  constructor(config: BertConfig) {
    super();
    this.registerModule('dense', new Linear(config.hidden_size, config.hidden_size));
  }

  forward(hidden: tf.Tensor): tf.Tensor {
    const [b, , h] = hidden.shape as [number, number, number];
    const first = tf.reshape(tf.slice(hidden, [0, 0, 0], [b, 1, h]), [b, h]);
    return tf.tanh(this.child<UnaryModule>('dense').forward(first));
  }
}

export interface BertModelOptions {
  /** Build `pooler` (default true, as HF's `BertModel`; task models without it pass false). */
  addPoolingLayer?: boolean;
}

/**
 * BERT's encoder with Hugging Face `BertModel` module names (`embeddings.word_embeddings`,
 * `encoder.layer.N.attention.self.query`, `pooler.dense`, ...), any size from its config.
 * Initialised as HF does (N(0, initializer_range), LayerNorm 1/0).
 *
 * @example
 * const bert = new BertModel(bertConfig({ hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4 }));
 * const { lastHiddenState, poolerOutput } = bert.call(ids, { attentionMask });
 */
export class BertModel
  extends Module<[tf.Tensor, BertInputs?], BertOutputs>
  implements PromptAware<[tf.Tensor, BertInputs?]>
{
  readonly config: BertConfig;

  constructor(config: BertConfig, options: BertModelOptions = {}) {
    super();
    this.config = config;
    this.registerModule('embeddings', new BertEmbeddings(config));
    this.registerModule('encoder', new BertEncoder(config));
    if (options.addPoolingLayer ?? true) this.registerModule('pooler', new BertPooler(config));
    initTransformerWeights(this, config.initializer_range);
  }

  get hasPooler(): boolean {
    return this.namedChildren().some(([n]) => n === 'pooler');
  }

  /**
   * Prompt tuning (`PromptAware`): the mask gets ones and the token types zeros for the `count`
   * virtual tokens prepended to `word_embeddings`' output (positions follow from that output).
   */
  withVirtualTokens(inputs: [tf.Tensor, BertInputs?], count: number): [tf.Tensor, BertInputs?] {
    const [ids, options] = inputs;
    return options ? [ids, prependToTextInputs(options, count)] : inputs;
  }

  forward(inputIds: tf.Tensor, inputs: BertInputs = {}): BertOutputs {
    if (inputIds.rank !== 2)
      throw new Error(`BertModel.forward: inputIds must be [B, T], got [${inputIds.shape}]`);
    const emb = this.child<BertEmbeddings>('embeddings').forward(inputIds, inputs.tokenTypeIds);
    const mask = encoderPaddingMask(inputs.attentionMask, emb.shape[1] as number, 'BertModel.forward');
    const h = this.child<BertEncoder>('encoder').forward(emb, mask ? { attentionMask: mask } : {});
    if (!this.hasPooler) return { lastHiddenState: h };
    return { lastHiddenState: h, poolerOutput: this.child<BertPooler>('pooler').forward(h) };
  }
}

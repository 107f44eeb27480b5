import { initTransformerWeights, Module, type PromptAware, TransformerEncoder } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { encoderPaddingMask } from '../common/attention-mask.js';
import { prependToTextInputs } from '../common/virtual-tokens.js';
import type { DistilBertConfig } from './config.js';
import { DistilBertEmbeddings } from './embeddings.js';
import { DistilBertLayer } from './layer.js';

/** Optional inputs of a DistilBERT forward pass (it has no token types). */
export interface DistilBertInputs {
  /** `[B, T]`, 1 = token, 0 = padding (default: all ones). */
  attentionMask?: tf.Tensor;
}

/** What `DistilBertModel` returns. */
export interface DistilBertOutputs {
  [key: string]: tf.Tensor;
  /** `[B, T, dim]`. */
  lastHiddenState: tf.Tensor;
}

/** `transformer`: the stack of blocks under `layer` (`transformer.layer.0`, ...). */
export class DistilBertTransformer extends TransformerEncoder<DistilBertLayer> {
  constructor(config: DistilBertConfig) {
    super(() => new DistilBertLayer(config), config.n_layers, { layersName: 'layer' });
  }
}

/**
 * DistilBERT's encoder with Hugging Face `DistilBertModel` module names
 * (`embeddings.word_embeddings`, `transformer.layer.N.attention.q_lin`, `ffn.lin1`,
 * `sa_layer_norm`, ...), any size from its config; no pooler. Initialised as HF does
 * (N(0, initializer_range), LayerNorm 1/0, the sinusoidal table when configured).
 *
 * @example
 * const model = new DistilBertModel(distilBertConfig({ dim: 64, n_layers: 2, n_heads: 4, hidden_dim: 256 }));
 * const { lastHiddenState } = model.call(ids, { attentionMask });
 */
export class DistilBertModel
  extends Module<[tf.Tensor, DistilBertInputs?], DistilBertOutputs>
  implements PromptAware<[tf.Tensor, DistilBertInputs?]>
{
  readonly config: DistilBertConfig;

  constructor(config: DistilBertConfig) {
    super();
    this.config = config;
    const embeddings = this.registerModule('embeddings', new DistilBertEmbeddings(config));
    this.registerModule('transformer', new DistilBertTransformer(config));
    initTransformerWeights(this, config.initializer_range);
    if (config.sinusoidal_pos_embds) embeddings.useSinusoidalPositions();
  }

  /** Prompt tuning (`PromptAware`): the mask gets ones for the `count` virtual tokens. */
  withVirtualTokens(inputs: [tf.Tensor, DistilBertInputs?], count: number): [tf.Tensor, DistilBertInputs?] {
    const [ids, options] = inputs;
    return options ? [ids, prependToTextInputs(options, count)] : inputs;
  }

  forward(inputIds: tf.Tensor, inputs: DistilBertInputs = {}): DistilBertOutputs {
    if (inputIds.rank !== 2)
      throw new Error(`DistilBertModel.forward: inputIds must be [B, T], got [${inputIds.shape}]`);
    const emb = this.child<DistilBertEmbeddings>('embeddings').forward(inputIds, undefined);
    const mask = encoderPaddingMask(inputs.attentionMask, emb.shape[1] as number, 'DistilBertModel.forward');
    const transformer = this.child<DistilBertTransformer>('transformer');
    return { lastHiddenState: transformer.forward(emb, mask ? { attentionMask: mask } : {}) };
  }
}

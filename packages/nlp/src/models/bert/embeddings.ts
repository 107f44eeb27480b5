import { Dropout, Embedding, LayerNorm, Module, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from './config.js';

/**
 * `embeddings`: word + position + token type embeddings, then LayerNorm and dropout. Positions
 * count the word-embedding output, so a prompt-tuning wrapper that prepends virtual tokens to
 * `word_embeddings` gets positions for them too (as HF PEFT's `inputs_embeds` path does).
 */
export class BertEmbeddings extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  readonly maxPositions: number;

  constructor(config: BertConfig) {
    super();
    this.registerModule(
      'word_embeddings',
      new Embedding(config.vocab_size, config.hidden_size, { paddingIdx: config.pad_token_id }),
    );
    this.registerModule(
      'position_embeddings',
      new Embedding(config.max_position_embeddings, config.hidden_size),
    );
    this.registerModule('token_type_embeddings', new Embedding(config.type_vocab_size, config.hidden_size));
    this.registerModule('LayerNorm', new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps }));
    this.registerModule('dropout', new Dropout(config.hidden_dropout_prob));
    this.maxPositions = config.max_position_embeddings;
  }

  /** `inputIds` int32 `[B, T]`; `tokenTypeIds` int32 `[B, T']` (default zeros) -> `[B, T', H]`. */
  forward(inputIds: tf.Tensor, tokenTypeIds: tf.Tensor | undefined): tf.Tensor {
    const words = this.child<UnaryModule>('word_embeddings').forward(inputIds);
    const [b, t] = words.shape as [number, number, number];
    if (t > this.maxPositions) {
      throw new Error(
        `BertEmbeddings: sequence length ${t} exceeds max_position_embeddings ${this.maxPositions}`,
      );
    }
    const positions = this.child<UnaryModule>('position_embeddings').forward(tf.range(0, t, 1, 'int32'));
    const types = tokenTypeIds ?? tf.zeros([b, t], 'int32');
    if (types.shape[0] !== b || types.shape[1] !== t) {
      throw new Error(`BertEmbeddings: tokenTypeIds must be [${b}, ${t}], got [${types.shape}]`);
    }
    const typed = this.child<UnaryModule>('token_type_embeddings').forward(types);
    const sum = tf.add(tf.add(words, positions), typed);
    return this.child<UnaryModule>('dropout').forward(this.child<UnaryModule>('LayerNorm').forward(sum));
  }
}

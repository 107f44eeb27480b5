import { Dropout, Embedding, LayerNorm, Module, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** Sizes of an encoder's embeddings, read from a family's config. */
export interface SummedEmbeddingsOptions {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly maxPositions: number;
  /** Segment vocabulary (`token_type_embeddings`); 0 = the family has none (DistilBERT). */
  readonly typeVocabSize: number;
  readonly padTokenId: number;
  readonly layerNormEps: number;
  readonly dropout: number;
}

/**
 * `embeddings` of BERT-style encoders: `word_embeddings` + `position_embeddings` (+
 * `token_type_embeddings` when the family has segments), then `LayerNorm` and dropout. Positions
 * count the word-embedding output, so a prompt-tuning wrapper that prepends virtual tokens to
 * `word_embeddings` gets positions for them too (as HF PEFT's `inputs_embeds` path does).
 */
export class SummedEmbeddings extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  readonly maxPositions: number;
  readonly hasTokenTypes: boolean;

  constructor(o: SummedEmbeddingsOptions) {
    super();
    this.registerModule(
      'word_embeddings',
      new Embedding(o.vocabSize, o.hiddenSize, { paddingIdx: o.padTokenId }),
    );
    this.registerModule('position_embeddings', new Embedding(o.maxPositions, o.hiddenSize));
    this.hasTokenTypes = o.typeVocabSize > 0;
    if (this.hasTokenTypes)
      this.registerModule('token_type_embeddings', new Embedding(o.typeVocabSize, o.hiddenSize));
    this.registerModule('LayerNorm', new LayerNorm(o.hiddenSize, { eps: o.layerNormEps }));
    this.registerModule('dropout', new Dropout(o.dropout));
    this.maxPositions = o.maxPositions;
  }

  /**
   * `inputIds` int32 `[B, T]`; `tokenTypeIds` int32 `[B, T']` (default zeros; ignored by a family
   * without segments) -> `[B, T', H]`.
   */
  forward(inputIds: tf.Tensor, tokenTypeIds: tf.Tensor | undefined): tf.Tensor {
    const words = this.child<UnaryModule>('word_embeddings').forward(inputIds);
    const [b, t] = words.shape as [number, number, number];
    if (t > this.maxPositions) {
      throw new Error(
        `${this.typeName}: sequence length ${t} exceeds max_position_embeddings ${this.maxPositions}`,
      );
    }
    const positions = this.child<UnaryModule>('position_embeddings').forward(tf.range(0, t, 1, 'int32'));
    let sum = tf.add(words, positions);
    if (this.hasTokenTypes) {
      const types = tokenTypeIds ?? tf.zeros([b, t], 'int32');
      if (types.shape[0] !== b || types.shape[1] !== t) {
        throw new Error(`${this.typeName}: tokenTypeIds must be [${b}, ${t}], got [${types.shape}]`);
      }
      sum = tf.add(sum, this.child<UnaryModule>('token_type_embeddings').forward(types));
    }
    return this.child<UnaryModule>('dropout').forward(this.child<UnaryModule>('LayerNorm').forward(sum));
  }
}

import { SummedEmbeddings } from '../common/summed-embeddings.js';
import type { BertConfig } from './config.js';

/** `embeddings`: word + position + token type embeddings, then LayerNorm and dropout. */
export class BertEmbeddings extends SummedEmbeddings {
  constructor(config: BertConfig) {
    super({
      vocabSize: config.vocab_size,
      hiddenSize: config.hidden_size,
      maxPositions: config.max_position_embeddings,
      typeVocabSize: config.type_vocab_size,
      padTokenId: config.pad_token_id,
      layerNormEps: config.layer_norm_eps,
      dropout: config.hidden_dropout_prob,
    });
  }
}

import type { Embedding } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { SummedEmbeddings } from '../common/summed-embeddings.js';
import { DISTILBERT_LAYER_NORM_EPS, type DistilBertConfig } from './config.js';

/**
 * HF's `create_sinusoidal_embeddings`: row `pos`, column `j` is `sin` (even j) or `cos` (odd j)
 * of `pos / 10000^(2 * floor(j / 2) / dim)`.
 */
export function sinusoidalPositions(positions: number, dim: number): Float32Array {
  const out = new Float32Array(positions * dim);
  for (let pos = 0; pos < positions; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / 10000 ** ((2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/**
 * `embeddings`: word + position embeddings (DistilBERT has no token types), LayerNorm, dropout.
 * With `sinusoidal_pos_embds` the position table holds fixed sines/cosines and is not trained.
 */
export class DistilBertEmbeddings extends SummedEmbeddings {
  constructor(config: DistilBertConfig) {
    super({
      vocabSize: config.vocab_size,
      hiddenSize: config.dim,
      maxPositions: config.max_position_embeddings,
      typeVocabSize: 0,
      padTokenId: config.pad_token_id,
      layerNormEps: DISTILBERT_LAYER_NORM_EPS,
      dropout: config.dropout,
    });
  }

  /** Writes the fixed sinusoidal table into `position_embeddings` and freezes it. */
  useSinusoidalPositions(): void {
    const weight = this.child<Embedding>('position_embeddings').weight;
    const [n, dim] = weight.shape as [number, number];
    const table = tf.tensor2d(sinusoidalPositions(n, dim), [n, dim]);
    weight.assign(table);
    table.dispose();
    weight.trainable = false;
  }
}

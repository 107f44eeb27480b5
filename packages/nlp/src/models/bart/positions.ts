import { Embedding } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/**
 * BART's `embed_positions` (`BartLearnedPositionalEmbedding`): a learned table of
 * `max_position_embeddings + 2` rows read at `position + 2` (the offset fairseq's checkpoints have).
 */
export class LearnedPositions extends Embedding {
  static readonly OFFSET = 2;

  constructor(maxPositions: number, dim: number) {
    super(maxPositions + LearnedPositions.OFFSET, dim);
  }

  /** `[T, E]` for positions `past .. past + T - 1`. */
  positions(past: number, t: number): tf.Tensor {
    if (past + t + LearnedPositions.OFFSET > this.numEmbeddings) {
      throw new Error(
        `LearnedPositions: ${past + t} positions exceed max_position_embeddings ${this.numEmbeddings - LearnedPositions.OFFSET}`,
      );
    }
    return this.forward(
      tf.range(past + LearnedPositions.OFFSET, past + t + LearnedPositions.OFFSET, 1, 'int32'),
    );
  }
}

/**
 * Marian's fixed sinusoidal positions (halves of sines then cosines, unlike DistilBERT's interleaved table) `[T, E]` for `past .. past + T - 1`
 * (`MarianSinusoidalPositionalEmbedding`): sines of the even frequencies in the first half,
 * cosines of the odd ones in the second, no offset. Computed per call rather than stored, so the
 * table is never a parameter.
 */
export function marianSinusoidalPositions(past: number, t: number, dim: number): tf.Tensor2D {
  const half = Math.ceil(dim / 2);
  const out = new Float32Array(t * dim);
  for (let i = 0; i < t; i++) {
    const pos = past + i;
    for (let j = 0; j < dim; j++) {
      const angle = pos / 10000 ** ((2 * Math.floor(j / 2)) / dim);
      if (j % 2 === 0) out[i * dim + j / 2] = Math.sin(angle);
      else out[i * dim + half + (j - 1) / 2] = Math.cos(angle);
    }
  }
  return tf.tensor2d(out, [t, dim]);
}

import * as tf from '@tensorflow/tfjs';
import { brandClass } from './brand.js';
import { assertPositiveInt } from './checks.js';
import { normal } from './init.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';

export interface EmbeddingOptions {
  /**
   * Row whose embedding is initialised to zeros and receives no gradient, as PyTorch's
   * `padding_idx` (negative values count from the end).
   */
  paddingIdx?: number;
}

/**
 * A lookup table, PyTorch's `nn.Embedding`: int32 ids of any shape `S` -> `[...S, dim]`.
 *
 * Ids must be int32 (an error otherwise). Range is not checked here: that would need a data
 * download on every call. The cpu backend rejects out-of-range ids inside `tf.gather`; other
 * backends may return zeros or garbage, so validate ids in the data pipeline.
 *
 * Init as PyTorch: N(0, 1), with the padding row zeroed.
 *
 * @example
 * const emb = new Embedding(1000, 64, { paddingIdx: 0 });
 * const h = emb.call(tf.tensor2d([[5, 9, 0]], [1, 3], 'int32')); // [1, 3, 64]
 */
export class Embedding extends Module<[tf.Tensor], tf.Tensor> {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Normalised to a non-negative index, or undefined. */
  readonly paddingIdx: number | undefined;
  readonly weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = assertPositiveInt(numEmbeddings, 'numEmbeddings', 'Embedding');
    this.embeddingDim = assertPositiveInt(embeddingDim, 'embeddingDim', 'Embedding');
    const pad = options.paddingIdx;
    if (pad !== undefined) {
      if (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings) {
        throw new Error(
          `Embedding: paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings}), got ${pad}`,
        );
      }
    }
    this.paddingIdx = pad === undefined ? undefined : pad < 0 ? pad + numEmbeddings : pad;
    const padRow = this.paddingIdx;
    this.weight = this.initParameter('weight', () => {
      const w = normal([numEmbeddings, embeddingDim]);
      if (padRow === undefined) return w;
      const keep = new Float32Array(numEmbeddings).fill(1);
      keep[padRow] = 0;
      return tf.mul(w, tf.tensor2d(keep, [numEmbeddings, 1]));
    });
  }

  forward(ids: tf.Tensor): tf.Tensor {
    if (ids.dtype !== 'int32') {
      throw new Error(`Embedding.forward: ids must be int32, got ${ids.dtype} (shape [${ids.shape}])`);
    }
    const out = tf.gather(this.weight.value, ids);
    if (this.paddingIdx === undefined || !this.weight.trainable) return out;
    const keep = tf.cast(tf.notEqual(ids, this.paddingIdx), 'float32').expandDims(-1);
    return maskGradient(out, keep);
  }
}

/**
 * Identity in the forward pass; multiplies the incoming gradient by `keep`. Zeroing the gradient
 * of the positions that looked up the padding row gives that row a zero gradient while its value
 * (possibly non-zero, from a checkpoint) is still returned, as PyTorch does.
 */
const maskGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, keep, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  // The mask must be saved, not closed over: it belongs to the forward's tidy scope, which has
  // ended by the time gradients are computed.
  save([keep]);
  return {
    value: tf.reshape(x, x.shape),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const k = saved[0] as tf.Tensor;
      return [tf.mul(dy as tf.Tensor, k), tf.zerosLike(k)];
    },
  };
}) as (x: tf.Tensor, keep: tf.Tensor) => tf.Tensor;

brandClass(Embedding, 'nn.Embedding');

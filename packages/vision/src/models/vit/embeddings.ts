import { Conv2d, Dropout, Module, normal, type Parameter } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { interpolatePositionEmbeddings, type PositionInterpolation } from './position-interpolation.js';

/** HF's `ViTPatchEmbeddings`: a `projection` Conv2d with kernel = stride = patch size. */
export class ViTPatchEmbeddings extends Module<[tf.Tensor], tf.Tensor> {
  readonly patchSize: number;
  readonly numChannels: number;

  constructor(numChannels: number, hiddenSize: number, patchSize: number) {
    super();
    this.patchSize = patchSize;
    this.numChannels = numChannels;
    this.registerModule('projection', new Conv2d(numChannels, hiddenSize, patchSize, { stride: patchSize }));
  }

  /** `[B, H, W, C]` -> `[B, (H/p)*(W/p), d]`, patches in row-major order (as HF's flatten(2)). */
  forward(pixels: tf.Tensor): tf.Tensor {
    const [b, h, w, c] = pixels.shape as [number, number, number, number];
    const p = this.patchSize;
    if (pixels.rank !== 4 || c !== this.numChannels) {
      throw new Error(
        `ViTPatchEmbeddings: expected NHWC pixels with ${this.numChannels} channels, got [${pixels.shape}]`,
      );
    }
    if (h % p !== 0 || w % p !== 0) {
      throw new Error(`ViTPatchEmbeddings: image ${h}x${w} is not a multiple of the patch size ${p}`);
    }
    const y = this.child('projection').call(pixels) as tf.Tensor4D;
    return tf.reshape(y, [b, (h / p) * (w / p), y.shape[3]]);
  }
}

export interface ViTEmbeddingsOptions {
  hiddenSize: number;
  numChannels: number;
  patchSize: number;
  grid: [number, number];
  dropout: number;
  initializerRange: number;
  positionInterpolation: PositionInterpolation;
}

/**
 * HF's `ViTEmbeddings`: `cls_token` `[1, 1, d]`, `position_embeddings` `[1, 1 + N, d]` and the
 * patch embeddings. Images of another size than the configured one get position embeddings
 * resampled to their patch grid (bicubic by default, as HF's `interpolate_pos_encoding`).
 */
export class ViTEmbeddings extends Module<[tf.Tensor], tf.Tensor> {
  readonly clsToken: Parameter;
  readonly positionEmbeddings: Parameter;
  readonly grid: [number, number];
  readonly positionInterpolation: PositionInterpolation;

  constructor(o: ViTEmbeddingsOptions) {
    super();
    const d = o.hiddenSize;
    this.grid = o.grid;
    this.positionInterpolation = o.positionInterpolation;
    this.clsToken = this.initParameter('cls_token', () => normal([1, 1, d], o.initializerRange));
    this.positionEmbeddings = this.initParameter('position_embeddings', () =>
      normal([1, 1 + o.grid[0] * o.grid[1], d], o.initializerRange),
    );
    this.registerModule('patch_embeddings', new ViTPatchEmbeddings(o.numChannels, d, o.patchSize));
    this.registerModule('dropout', new Dropout(o.dropout));
  }

  /** `[B, H, W, C]` -> `[B, 1 + N, d]`: class token, then patches, plus position embeddings. */
  forward(pixels: tf.Tensor): tf.Tensor {
    const patches = this.child('patch_embeddings').call(pixels);
    const [b, n, d] = patches.shape as [number, number, number];
    const p = this.child<ViTPatchEmbeddings>('patch_embeddings').patchSize;
    const grid: [number, number] = [(pixels.shape[1] as number) / p, (pixels.shape[2] as number) / p];
    const cls = tf.broadcastTo(this.clsToken.value, [b, 1, d]);
    const pos = interpolatePositionEmbeddings(
      this.positionEmbeddings.value,
      this.grid,
      grid,
      this.positionInterpolation,
    );
    if (pos.shape[1] !== 1 + n)
      throw new Error(`ViTEmbeddings: ${n} patches but position embeddings for ${pos.shape[1]}`);
    return this.child('dropout').call(tf.add(tf.concat([cls, patches], 1), pos));
  }
}

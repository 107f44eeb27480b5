import { Linear, Module, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { EncoderOutputLike } from '../encoder-output.js';

/**
 * A stand-in speech encoder for head tests: `tanh(proj(features))` per frame, reporting the valid
 * frames it is given as `outputLengths` (or `attentionMask`), as a real encoder reports its own.
 */
export class TinyEncoder extends Module<[tf.Tensor, tf.Tensor?], EncoderOutputLike> {
  readonly baseModelPrefix?: string;

  constructor(
    inFeatures: number,
    readonly hidden: number,
    private readonly report: 'lengths' | 'mask' = 'lengths',
    prefix?: string,
  ) {
    super();
    this.registerModule('proj', new Linear(inFeatures, hidden));
    if (prefix) this.baseModelPrefix = prefix;
  }

  forward(features: tf.Tensor, lengths?: tf.Tensor): EncoderOutputLike {
    const lastHiddenState = tf.tanh(this.child<UnaryModule>('proj').forward(features));
    if (!lengths) return { lastHiddenState };
    if (this.report === 'lengths') return { lastHiddenState, outputLengths: tf.clone(lengths) };
    const t = features.shape[1] as number;
    const mask = tf.cast(
      tf.less(tf.range(0, t).reshape([1, t]), tf.cast(lengths, 'float32').reshape([-1, 1])),
      'int32',
    );
    return { lastHiddenState, attentionMask: mask };
  }
}

import * as tf from '@tensorflow/tfjs';
import { Conv2d, Linear } from '../../../nn/index.js';

/** The base modules IA3 rescales. */
export type Ia3Base = Linear | Conv2d;

export function isIa3Base(m: unknown): m is Ia3Base {
  return m instanceof Linear || m instanceof Conv2d;
}

/** Input and output widths (features for Linear, channels for Conv2d). */
export function ia3Dims(base: Ia3Base): { inDim: number; outDim: number } {
  return base instanceof Linear
    ? { inDim: base.inFeatures, outDim: base.outFeatures }
    : { inDim: base.inChannels, outDim: base.outChannels };
}

/**
 * Shape of `ia3_l` exactly as HF PEFT stores it (so the file needs no layout conversion):
 * Linear `[out, 1]` / feed-forward `[1, in]`; Conv2d `[1, out, 1, 1]` / feed-forward `[1, in, 1, 1]`.
 */
export function ia3VectorShape(base: Ia3Base, isFeedforward: boolean): number[] {
  const { inDim, outDim } = ia3Dims(base);
  const n = isFeedforward ? inDim : outDim;
  if (base instanceof Conv2d) return [1, n, 1, 1];
  return isFeedforward ? [1, n] : [n, 1];
}

/**
 * The factor that merging multiplies the base weight by (in the weight's memory layout), from
 * the flat vector `l`. Rescaling the output multiplies every weight feeding output unit `o` by
 * `l[o]`; rescaling the input multiplies every weight reading input unit `i` by `l[i]`.
 */
export function ia3WeightFactor(base: Ia3Base, l: tf.Tensor1D, isFeedforward: boolean): tf.Tensor {
  return tf.tidy(() => {
    if (base instanceof Linear) {
      // Memory layout [in, out].
      return isFeedforward ? tf.reshape(l, [base.inFeatures, 1]) : tf.reshape(l, [1, base.outFeatures]);
    }
    const { inChannels: cin, outChannels: cout, groups, mode } = base;
    if (mode === 'depthwise') {
      // [kh, kw, in, multiplier]; output channel c*multiplier + m reads input channel c.
      return isFeedforward ? tf.reshape(l, [1, 1, cin, 1]) : tf.reshape(l, [1, 1, cin, cout / cin]);
    }
    if (!isFeedforward) return tf.reshape(l, [1, 1, 1, cout]);
    if (mode === 'dense') return tf.reshape(l, [1, 1, cin, 1]);
    // Grouped [kh, kw, in/groups, out]: kernel entry (i, o) reads input channel
    // group(o) * in/groups + i, so the factor differs per output block.
    const inPer = cin / groups;
    const outPer = cout / groups;
    const idx: number[] = [];
    for (let i = 0; i < inPer; i++)
      for (let o = 0; o < cout; o++) idx.push(Math.floor(o / outPer) * inPer + i);
    return tf.reshape(tf.gather(l, tf.tensor1d(idx, 'int32')), [1, 1, inPer, cout]);
  });
}

import * as tf from '@tensorflow/tfjs';
import type { Pair } from './checks.js';

/**
 * The convolution arithmetic shared by `Conv1d` and `Conv2d` (channels-last, NHWC).
 *
 * Two tfjs limits shape this file:
 * - tfjs' conv gradients refuse dilation > 1 ("not yet supported in gradients"), and depthwise
 *   convs refuse stride > 1 together with dilation > 1. A dilated kernel is therefore expanded
 *   explicitly (zeros inserted between taps) and convolved with dilation 1: same result, and
 *   differentiable everywhere, at the cost of a larger kernel.
 * - numeric padding is applied with `tf.pad` and a `'valid'` conv, which every backend and every
 *   gradient supports, rather than tfjs' explicit-padding attribute.
 */

/** How channels are connected: one dense conv, tfjs' depthwise conv, or split groups. */
export type ConvMode = 'dense' | 'depthwise' | 'grouped';

/** Resolved conv arguments (pairs are [height, width]). */
export interface ConvSpec {
  stride: Pair;
  /** `'same'` / `'valid'` as tfjs, or symmetric zero padding per spatial axis. */
  padding: 'same' | 'valid' | Pair;
  dilation: Pair;
  groups: number;
  mode: ConvMode;
}

/** Chooses the conv implementation PyTorch's `groups` argument maps to. */
export function convMode(inChannels: number, outChannels: number, groups: number, caller: string): ConvMode {
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(
      `${caller}: inChannels (${inChannels}) and outChannels (${outChannels}) must both be divisible by groups (${groups})`,
    );
  }
  if (groups === 1) return 'dense';
  if (groups === inChannels) return 'depthwise';
  return 'grouped';
}

/**
 * Inserts `d - 1` zeros between the taps of the first two (spatial) axes of a rank-4 kernel, so
 * that a dilation-1 conv with the result equals a dilated conv with the original. Built from
 * reshape/pad/slice, which all have gradients.
 */
export function dilateKernel(w: tf.Tensor4D, dilation: Pair): tf.Tensor4D {
  const [dh, dw] = dilation;
  if (dh === 1 && dw === 1) return w;
  const [kh, kw, a, b] = w.shape;
  const rest = a * b;
  let k: tf.Tensor = tf.reshape(w, [kh, 1, kw, rest]);
  if (dh > 1) {
    k = tf.pad(k, [
      [0, 0],
      [0, dh - 1],
      [0, 0],
      [0, 0],
    ]);
    k = tf.slice(tf.reshape(k, [kh * dh, kw, rest]), [0, 0, 0], [(kh - 1) * dh + 1, kw, rest]);
  } else {
    k = tf.reshape(k, [kh, kw, rest]);
  }
  const ekh = k.shape[0] as number;
  if (dw > 1) {
    k = tf.pad(tf.reshape(k, [ekh, kw, 1, rest]), [
      [0, 0],
      [0, 0],
      [0, dw - 1],
      [0, 0],
    ]);
    k = tf.slice(tf.reshape(k, [ekh, kw * dw, rest]), [0, 0, 0], [ekh, (kw - 1) * dw + 1, rest]);
  }
  return tf.reshape(k, [ekh, k.shape[1] as number, a, b]);
}

/**
 * NHWC convolution with PyTorch's `groups` semantics. `w` is HWIO `[kh, kw, in/groups, out]`
 * for `dense`/`grouped` and `[kh, kw, in, out/in]` for `depthwise`.
 */
export function convNhwc(x: tf.Tensor4D, w: tf.Tensor4D, spec: ConvSpec): tf.Tensor4D {
  const k = dilateKernel(w, spec.dilation);
  let input = x;
  let pad: 'same' | 'valid';
  if (typeof spec.padding === 'string') {
    pad = spec.padding;
  } else {
    const [ph, pw] = spec.padding;
    if (ph > 0 || pw > 0) {
      input = tf.pad(x, [
        [0, 0],
        [ph, ph],
        [pw, pw],
        [0, 0],
      ]);
    }
    pad = 'valid';
  }
  switch (spec.mode) {
    case 'dense':
      return tf.conv2d(input, k, spec.stride, pad);
    case 'depthwise':
      return tf.depthwiseConv2d(input, k, spec.stride, pad);
    case 'grouped': {
      // No grouped conv kernel in tfjs: one conv per group, concatenated. Output channel block g
      // sees input channel block g, as in PyTorch, so OIHW files map by a plain transpose.
      const xs = tf.split(input, spec.groups, 3);
      const ks = tf.split(k, spec.groups, 3);
      return tf.concat(
        xs.map((xi, g) => tf.conv2d(xi as tf.Tensor4D, ks[g] as tf.Tensor4D, spec.stride, pad)),
        3,
      ) as tf.Tensor4D;
    }
  }
}

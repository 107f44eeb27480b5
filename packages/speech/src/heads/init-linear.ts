import { Linear, normal } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/**
 * A Linear initialised as HF's `_init_weights` does for audio task heads: weight ~ N(0, std^2)
 * from peftkit's seeded generator, bias zero.
 */
export function hfLinear(inFeatures: number, outFeatures: number, std: number): Linear {
  const linear = new Linear(inFeatures, outFeatures);
  const w = normal(linear.weight.shape, std);
  linear.weight.assign(w);
  w.dispose();
  if (linear.bias) {
    const b = tf.zeros(linear.bias.shape);
    linear.bias.assign(b);
    b.dispose();
  }
  return linear;
}

/** The base's `initializer_range` (HF default 0.02). */
export function initializerRange(baseConfig: unknown): number {
  const r = (baseConfig as { initializer_range?: unknown } | undefined)?.initializer_range;
  return typeof r === 'number' && r > 0 ? r : 0.02;
}

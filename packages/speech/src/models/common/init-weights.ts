import { type AnyModule, LayerNorm, Linear, normal, type Parameter } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** Overwrites `p` with the tensor `make` builds (freed after). */
export function resetParameter(p: Parameter, make: () => tf.Tensor): void {
  const t = tf.tidy(make);
  p.assign(t);
  t.dispose();
}

/**
 * Hugging Face's `_init_weights` for the speech encoders' Linear and LayerNorm modules: Linear
 * weights ~ N(0, std^2) with zero biases, LayerNorm weight 1 and bias 0. Convolutions keep
 * PyTorch's default init (set by core's `Conv1d`) unless the family says otherwise.
 */
export function initLinearAndNorm(root: AnyModule, std: number): void {
  for (const [, m] of root.namedModules()) {
    if (m instanceof Linear) {
      resetParameter(m.weight, () => normal(m.weight.shape, std));
      const b = m.bias;
      if (b) resetParameter(b, () => tf.zeros(b.shape));
    } else if (m instanceof LayerNorm) {
      const w = m.weight;
      const b = m.bias;
      if (w) resetParameter(w, () => tf.ones(w.shape));
      if (b) resetParameter(b, () => tf.zeros(b.shape));
    }
  }
}

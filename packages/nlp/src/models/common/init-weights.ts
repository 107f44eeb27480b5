import { type AnyModule, Embedding, LayerNorm, Linear, normal, type Parameter } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** Overwrites `p` with N(0, std^2) drawn from peftkit's seeded generator. */
export function resetNormal(p: Parameter, std: number): void {
  const t = normal(p.shape, std);
  p.assign(t);
  t.dispose();
}

/** Overwrites `p` with a constant. */
export function resetFill(p: Parameter, value: number): void {
  const t = tf.fill(p.shape, value);
  p.assign(t);
  t.dispose();
}

/**
 * Hugging Face's `_init_weights` for BERT/GPT-2 style models: Linear (and Conv1D) weights and
 * embeddings ~ N(0, std^2), biases zero, the padding row of an embedding zero, LayerNorm weight
 * one and bias zero. Applied to every module of `root`.
 */
export function initTransformerWeights(root: AnyModule, std: number): void {
  for (const [, m] of root.namedModules()) {
    if (m instanceof Linear) {
      resetNormal(m.weight, std);
      if (m.bias) resetFill(m.bias, 0);
    } else if (m instanceof Embedding) {
      resetNormal(m.weight, std);
      if (m.paddingIdx !== undefined) zeroRow(m.weight, m.paddingIdx);
    } else if (m instanceof LayerNorm) {
      if (m.weight) resetFill(m.weight, 1);
      if (m.bias) resetFill(m.bias, 0);
    }
  }
}

function zeroRow(p: Parameter, row: number): void {
  const t = tf.tidy(() => {
    const keep = new Float32Array(p.shape[0] as number).fill(1);
    keep[row] = 0;
    return tf.mul(p.value, tf.tensor2d(keep, [p.shape[0] as number, 1]));
  });
  p.assign(t);
  t.dispose();
}

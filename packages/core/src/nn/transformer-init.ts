import * as tf from '@tensorflow/tfjs';
import { Embedding } from './embedding.js';
import { normal } from './init.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import type { AnyModule } from './module.js';
import type { Parameter } from './parameter.js';

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
 * Hugging Face's `_init_weights` of BERT/GPT-2/Whisper-style transformers, applied to every
 * module of `root` in tree order: Linear weights (GPT-2's Conv1D included) and embeddings
 * ~ N(0, std^2), biases zero, an embedding's padding row zero, LayerNorm weight one and bias
 * zero. `std` is the config's `initializer_range` (or `init_std`). Draws from the seeded
 * generator, so `setSeed(n)` reproduces a model.
 *
 * @example initTransformerWeights(model, config.initializer_range);
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

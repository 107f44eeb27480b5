import * as tf from '@tensorflow/tfjs';
import { Module, type Parameter } from '../../../nn/index.js';

/**
 * DoRA's trained magnitude vector, saved as `lora_magnitude_vector.weight` like HF PEFT. Its
 * shape is the file shape HF uses: `[out]` for Linear and Embedding, `[1, out, 1]` for Conv1d
 * and `[1, out, 1, 1]` for Conv2d (HF keeps the conv norm with `keepdim`); the math always uses
 * it flattened to `[out]`.
 */
export class DoraMagnitude extends Module<[], never> {
  readonly weight: Parameter;
  /** Takes ownership of `initial`. */
  constructor(initial: tf.Tensor) {
    super();
    this.weight = this.registerParameter('weight', initial);
    initial.dispose();
  }
  /** The magnitude as `[out]`. */
  vector(): tf.Tensor1D {
    return tf.reshape(this.weight.value, [-1]) as tf.Tensor1D;
  }
  forward(): never {
    throw new Error('DoraMagnitude holds a parameter and has no forward');
  }
}

/**
 * Per-output-unit L2 norm of a weight in peftkit memory layout, where the output axis is always
 * the last one (Linear `[in, out]`, Embedding `[num, dim]`, conv HWIO / `[k, in, out]`). This is
 * HF's `||W + s*BA||_c`: row norms of the PyTorch `[out, ...]` weight (for Embedding, HF uses the
 * transposed weight, so the norm runs over the vocabulary for each embedding dimension).
 */
export function outputNorm(w: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const out = w.shape[w.rank - 1] as number;
    return tf.norm(tf.reshape(w, [-1, out]), 'euclidean', 0) as tf.Tensor1D;
  });
}

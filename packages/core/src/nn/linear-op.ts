import * as tf from '@tensorflow/tfjs';
import { nativeMatMulActive } from '../runtime/native/native-matmul.js';
import { isTapeRecording } from '../runtime/recording.js';
import type { Parameter } from './parameter.js';

/**
 * `x2d @ w (+ b)` for a 2-D `x2d`, as one op under a gradient tape that keeps only what its
 * gradient needs. As separate tfjs ops the tape would keep `x` for the matMul even when `w` is
 * frozen (only `dw` needs it) and the un-biased product for the bias add (whose gradient needs
 * only shapes). Here `x` is kept only for a trainable `w`, and nothing else: a frozen base layer
 * (LoRA, adapters, IA3) keeps no activation at all. Gradients use the same kernels as the
 * BatchMatMul and Add gradients (`dx = dy w^T`, `dw = x^T dy`, `db = sum(dy)`), so they are
 * identical; frozen parameters get none.
 */
export function linear2d(x: tf.Tensor, weight: Parameter, bias: Parameter | undefined): tf.Tensor {
  const w = weight.value;
  const b = bias?.value;
  const plain = (xi: tf.Tensor) => (b ? tf.add(tf.matMul(xi, w), b) : tf.matMul(xi, w));
  if (!isTapeRecording()) return plain(x);
  const trainW = weight.trainable;
  const trainB = bias?.trainable ?? false;
  const inputs: tf.Tensor[] = [x];
  if (trainW) inputs.push(w);
  if (trainB && b) inputs.push(b);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save(trainW ? [xi] : []);
    return {
      value: plain(xi),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        // On the native GEMM transpose flags are free (Gemm transA/transB); on wasm they are slow,
        // so there the transposes are materialised, as in the BatchMatMul gradient.
        const native = nativeMatMulActive();
        const xs = saved[0] as tf.Tensor;
        const grads = [native ? tf.matMul(g, w, false, true) : tf.matMul(g, tf.transpose(w))];
        if (trainW) grads.push(native ? tf.matMul(xs, g, true, false) : tf.matMul(tf.transpose(xs), g));
        if (trainB && b) grads.push(tf.reshape(tf.sum(g, [0]), b.shape));
        return grads;
      },
    };
  });
  return op(...inputs) as tf.Tensor;
}

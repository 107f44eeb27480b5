import * as tf from '@tensorflow/tfjs';

/**
 * Identity in the forward pass, zero gradient in the backward pass (PyTorch's `.detach()`).
 * DoRA uses it for the weight norm, which HF PEFT treats as a constant.
 */
export const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return {
    value: tf.reshape(x, x.shape),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
  };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * Zero gradients for comparison and logical kernels. tfjs registers none for Greater, Less,
 * LessEqual, Equal, NotEqual and the logical ops (only GreaterEqual has one), so any mask computed
 * from a trainable tensor (`tf.where(tf.greater(x, 0), ...)`, padding masks, clipping masks) makes
 * `tf.grad` throw "gradient function not found". A comparison is piecewise constant: its
 * derivative is zero wherever it exists, which is also what PyTorch does by not tracking it.
 */

import type { GradConfig, Tensor } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

const BINARY = ['Greater', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'] as const;

// tfjs requires float32 gradients, even for int32 or bool inputs.
const zeros = (x: Tensor | undefined) => () => tf.zeros(x?.shape ?? [], 'float32');

/** Zero-gradient configs for the comparison and logical kernels tfjs leaves without one. */
export const comparisonGradConfigs: GradConfig[] = [
  ...BINARY.map(
    (kernelName): GradConfig => ({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => ({ a: zeros(saved[0]), b: zeros(saved[1]) }),
    }),
  ),
  {
    kernelName: 'LogicalNot',
    inputsToSave: ['x'],
    gradFunc: (_dy, saved) => ({ x: zeros(saved[0]) }),
  },
];

/**
 * Gradient of StridedSlice, which tfjs does not provide (`tf.stridedSlice` and the ops built on it
 * could not be trained through). Rather than re-deriving the begin/end/mask semantics, slice a
 * tensor of flat element indices with the very same attributes: it tells, for every dy element,
 * which x element it came from. The gradient is then a scatter-add of dy into x's shape, which the
 * runtime's UnsortedSegmentSum kernel does in one pass.
 */

import type { GradConfig, Tensor } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

/** StridedSlice gradient via sliced flat indices + scatter-add. */
export const stridedSliceGradConfig: GradConfig = {
  kernelName: 'StridedSlice',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    if (x === undefined || Array.isArray(dy))
      throw new Error('StridedSlice gradient: expected saved x and one dy');
    return {
      x: () => {
        const ids = tf.reshape(tf.range(0, x.size, 1, 'int32'), x.shape);
        const picked: Tensor | Tensor[] = tf.engine().runKernel('StridedSlice', { x: ids }, attrs);
        if (Array.isArray(picked)) throw new Error('StridedSlice gradient: expected one output');
        // Indices must stay exact: a float32 round trip would corrupt them past 2^24 elements.
        if (picked.dtype !== 'int32')
          throw new Error(`StridedSlice gradient: index slice came back ${picked.dtype}`);
        const flat = tf.unsortedSegmentSum(tf.reshape(dy, [-1]), tf.reshape(picked, [-1]), x.size);
        return tf.reshape(flat, x.shape);
      },
    };
  },
};

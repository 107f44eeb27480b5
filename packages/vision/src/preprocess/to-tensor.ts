import * as tf from '@tensorflow/tfjs';
import type { RawImage } from './raw-image.js';

/**
 * Stacks same-sized images into one NHWC float32 tensor `[N, H, W, C]` (one copy, no per-image
 * tensors). A size mismatch names the first offending image.
 *
 * @example const x = toBatchTensor(images); // [N, 28, 28, 1]
 */
export function toBatchTensor(images: readonly RawImage[]): tf.Tensor4D {
  const first = images[0];
  if (!first) throw new Error('toBatchTensor: no images');
  const { height: h, width: w, channels: c } = first;
  const size = h * w * c;
  const flat = new Float32Array(images.length * size);
  images.forEach((img, i) => {
    if (img.height !== h || img.width !== w || img.channels !== c) {
      throw new Error(
        `toBatchTensor: image ${i} is ${img.height}x${img.width}x${img.channels}, image 0 is ${h}x${w}x${c} (set resize or crop)`,
      );
    }
    flat.set(img.data, i * size);
  });
  return tf.tensor4d(flat, [images.length, h, w, c]);
}

/** The inverse of `toBatchTensor` for one image (index `i` of a batch), synchronously. */
export function fromBatchTensor(x: tf.Tensor4D, i = 0): RawImage {
  const [, h, w, c] = x.shape;
  const one = tf.tidy(() => tf.slice(x, [i, 0, 0, 0], [1, h, w, c]));
  try {
    return { data: one.dataSync() as Float32Array, height: h, width: w, channels: c };
  } finally {
    one.dispose();
  }
}

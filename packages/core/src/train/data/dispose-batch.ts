import * as tf from '@tensorflow/tfjs';

/**
 * Disposes every `tf.Tensor` inside a batch: the batch itself, or tensors nested in plain arrays
 * and objects. Typed arrays, strings and numbers are skipped without being walked (tfjs'
 * `tf.dispose` would visit every element of a large host array).
 */
export function disposeTensorsIn(batch: unknown, depth = 0): void {
  if (batch instanceof tf.Tensor) {
    batch.dispose();
    return;
  }
  if (depth > 8 || batch === null || typeof batch !== 'object' || ArrayBuffer.isView(batch)) return;
  if (Array.isArray(batch)) {
    for (const item of batch) if (typeof item === 'object') disposeTensorsIn(item, depth + 1);
    return;
  }
  if (batch instanceof Map) {
    for (const item of batch.values()) disposeTensorsIn(item, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(batch) !== Object.prototype) return;
  for (const item of Object.values(batch)) if (typeof item === 'object') disposeTensorsIn(item, depth + 1);
}

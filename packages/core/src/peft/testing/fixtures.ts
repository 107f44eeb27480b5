import * as tf from '@tensorflow/tfjs';

/**
 * Inputs and tensor comparisons shared by the PEFT method tests (test-only; not exported from the
 * package).
 */

/** `[3, 4]` int32 token ids, inside the vocabulary of `TinyBert` (20) and `TinyEncoder` (16). */
export function ids(): tf.Tensor2D {
  return tf.tensor2d(
    [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ],
    [3, 4],
    'int32',
  );
}

/** One class label per row of `ids()` (3 classes). */
export function labels(): tf.Tensor1D {
  return tf.tensor1d([0, 1, 2], 'int32');
}

/** A `[3, 4]` padding mask for `ids()`: 4, 3 and 2 real tokens. */
export function attentionMask(): tf.Tensor2D {
  return tf.tensor2d(
    [
      [1, 1, 1, 1],
      [1, 1, 1, 0],
      [1, 1, 0, 0],
    ],
    [3, 4],
    'int32',
  );
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

/** Bit-exact equality of two tensors' values (same length, every element `===`). */
export function sameValues(a: tf.Tensor, b: tf.Tensor): boolean {
  const x = a.dataSync();
  const y = b.dataSync();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Copies of every state-dict value (parameters and buffers), keyed by path. */
export function snapshot(m: { stateDict(): Map<string, { value: tf.Tensor }> }): Map<string, Float32Array> {
  return new Map([...m.stateDict()].map(([k, p]) => [k, p.value.dataSync().slice() as Float32Array]));
}

/** Keys whose values differ between two snapshots (of the same keys). */
export function changedKeys(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  return [...a].filter(([k, v]) => !b.get(k)!.every((x, i) => x === v[i])).map(([k]) => k);
}

/** Values of a parameter list, for bit-exact comparisons. */
export function values(params: readonly { value: tf.Tensor }[]): number[][] {
  return params.map((p) => Array.from(p.value.dataSync()));
}

/** Rows of a 2-D tensor as nested arrays (for plain-JS reference computations). */
export function rows(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

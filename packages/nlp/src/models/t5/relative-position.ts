import * as tf from '@tensorflow/tfjs';

const f = Math.fround;

/**
 * T5's relative position bucket of `relative = key - query`: exact buckets for small distances,
 * logarithmic ones up to `maxDistance`, and (bidirectional, the encoder) separate halves for
 * keys after the query. Computed in float32 steps as HF's `_relative_position_bucket` does, so
 * boundary distances land in the same bucket.
 */
export function relativePositionBucket(
  relative: number,
  bidirectional: boolean,
  numBuckets: number,
  maxDistance: number,
): number {
  let buckets = 0;
  let n = numBuckets;
  let r = relative;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (r > 0) buckets += n;
    r = Math.abs(r);
  } else {
    r = -Math.min(r, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (r < maxExact) return buckets + r;
  const scaled = f(f(f(Math.log(f(r / maxExact))) / f(Math.log(maxDistance / maxExact))) * (n - maxExact));
  return buckets + Math.min(maxExact + Math.trunc(scaled), n - 1);
}

/** Bucket ids `[Tq, S]` for queries at `queryStart .. queryStart + Tq - 1` and keys `0 .. S - 1`. */
export function relativeBucketGrid(
  queryStart: number,
  queries: number,
  keys: number,
  bidirectional: boolean,
  numBuckets: number,
  maxDistance: number,
): tf.Tensor2D {
  const ids = new Int32Array(queries * keys);
  for (let i = 0; i < queries; i++) {
    for (let j = 0; j < keys; j++) {
      ids[i * keys + j] = relativePositionBucket(
        j - (queryStart + i),
        bidirectional,
        numBuckets,
        maxDistance,
      );
    }
  }
  return tf.tensor2d(ids, [queries, keys], 'int32');
}

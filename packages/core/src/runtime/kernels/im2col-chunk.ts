import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelIo } from './kernel-io.js';

/**
 * How many im2col elements the conv gradient kernels materialise at once (16 MB of float32 by
 * default). Larger batches are processed in chunks of whole images.
 */
let chunkElements = 4 * 1024 * 1024;

/** Images per chunk when one image needs `perImage` im2col elements (at least one). */
export function imagesPerChunk(perImage: number): number {
  return Math.max(1, Math.floor(chunkElements / Math.max(1, perImage)));
}

/**
 * Sets the im2col chunk size in elements and returns the previous one. For tests and tuning: a
 * smaller chunk bounds memory at the cost of more, smaller matMuls.
 */
export function setIm2colChunkElements(elements: number): number {
  if (!Number.isInteger(elements) || elements < 1)
    throw new Error(`chunk size must be a positive integer, got ${elements}`);
  const previous = chunkElements;
  chunkElements = elements;
  return previous;
}

/**
 * Images `[first, first + count)` of `dy` (NHWC float32, `perImage` pixels of `co` channels each)
 * as `[count * perImage, co]` rows: `dy` itself when the chunk is the `whole` batch, else a copy
 * that the caller frees.
 */
export function dyChunk(
  io: KernelIo,
  dy: TensorInfo,
  first: number,
  count: number,
  perImage: number,
  co: number,
  whole: boolean,
): TensorInfo {
  const n = count * perImage;
  if (whole) return { dataId: dy.dataId, shape: [n, co], dtype: 'float32' };
  // Every element is written below, so no zero-fill.
  const rows = io.alloc([n, co], 'float32', false);
  io.view(rows).set(io.view(dy).subarray(first * perImage * co, (first + count) * perImage * co));
  return rows;
}

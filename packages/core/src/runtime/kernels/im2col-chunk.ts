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

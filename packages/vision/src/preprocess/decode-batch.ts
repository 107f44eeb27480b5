import { mapConcurrent } from './concurrency.js';
import { type DecodedImage, type DecodeOptions, decodeImage, ImageDecodeError } from './decode.js';

/** Options of `decodeImages`. */
export interface DecodeBatchOptions extends Omit<DecodeOptions, 'name'> {
  /** Decodes in flight at once (default 4: sharp's default thread-pool size). */
  concurrency?: number;
  /** Skip files that fail to decode (counted in `skipped`) instead of throwing (default false). */
  skipCorrupt?: boolean;
}

/** A file `decodeImages` skipped, with the reason. */
export interface SkippedImage {
  readonly path: string;
  readonly reason: string;
}

/** What `decodeImages` returns: decoded images in input order, minus skipped ones. */
export interface DecodeBatchResult {
  readonly images: DecodedImage[];
  /** Index into the input of each returned image. */
  readonly indices: number[];
  readonly skipped: SkippedImage[];
}

/**
 * Decodes many files concurrently (`concurrency` at a time). The first corrupt file throws an
 * `ImageDecodeError` naming it, unless `skipCorrupt`, in which case every failure is listed in
 * `skipped` and the other images are returned.
 *
 * @example
 * const { images, skipped } = await decodeImages(paths, { skipCorrupt: true });
 * if (skipped.length) console.warn(`skipped ${skipped.length} corrupt images`);
 */
export async function decodeImages(
  paths: readonly string[],
  options: DecodeBatchOptions = {},
): Promise<DecodeBatchResult> {
  const { concurrency = 4, skipCorrupt = false, ...decode } = options;
  const results = await mapConcurrent(paths, concurrency, async (p) => {
    try {
      return await decodeImage(p, decode);
    } catch (err) {
      if (!skipCorrupt) throw err;
      return err instanceof ImageDecodeError ? err : new ImageDecodeError(p, String(err));
    }
  });
  const images: DecodedImage[] = [];
  const indices: number[] = [];
  const skipped: SkippedImage[] = [];
  results.forEach((r, i) => {
    if (r instanceof ImageDecodeError) skipped.push({ path: r.path, reason: r.message });
    else {
      images.push(r);
      indices.push(i);
    }
  });
  return { images, indices, skipped };
}

import type { Dataset } from '@peftkit/core';
import type { RawImage } from '../preprocess/raw-image.js';
import type { ImageExample } from './image-example.js';

/** Pixel arrays `[N, H, W]` or `[N, H, W, C]` in C order, with labels per example. */
export interface ImageArray {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
  /** Nominal maximum of the values (255 for bytes), or undefined for floats of unknown range. */
  readonly maxValue: number | undefined;
}

/** The `[H, W, C]` of one image of an array, checking its rank. */
export function imageDims(a: ImageArray, name: string): [number, number, number, number] {
  const [n, h, w, c = 1] = a.shape;
  if (
    (a.shape.length !== 3 && a.shape.length !== 4) ||
    n === undefined ||
    h === undefined ||
    w === undefined
  ) {
    throw new Error(`${name}: images must have shape [N, H, W] or [N, H, W, C], got [${a.shape}]`);
  }
  return [n, h, w, c];
}

/** A map-style dataset whose examples are available synchronously. */
export interface ArrayImageDataset extends Dataset<ImageExample> {
  get(index: number): ImageExample;
}

/**
 * A map-style dataset over an in-memory image array: example `i` is created on demand (one
 * float copy of one image), so a 100k-image array costs no extra memory up front.
 */
export function arrayImageDataset(
  images: ImageArray,
  labels: (i: number) => number | readonly number[] | undefined,
  name: string,
): ArrayImageDataset {
  const [n, h, w, c] = imageDims(images, name);
  const size = h * w * c;
  return {
    name,
    length: n,
    get(i: number): ImageExample {
      if (!Number.isInteger(i) || i < 0 || i >= n)
        throw new RangeError(`${name}: index ${i} out of range [0, ${n})`);
      const data = new Float32Array(size);
      for (let k = 0; k < size; k++) data[k] = images.data[i * size + k] as number;
      const image: RawImage = { data, height: h, width: w, channels: c, maxValue: images.maxValue };
      const label = labels(i);
      return {
        source: { kind: 'pixels', image, name: `${name}[${i}]` },
        ...(label === undefined ? {} : { label }),
      };
    },
  };
}

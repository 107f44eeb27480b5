/**
 * An image as the preprocessing functions see it: float pixels, channels last (`HWC`), one
 * interleaved `Float32Array` of `height * width * channels` values. Sources that are not files
 * (MedMNIST arrays, IDX digits, DICOM pixel data) produce the same structure, so every transform
 * and the whole pipeline run identically whatever the image came from.
 */
export interface RawImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /**
   * The nominal largest value of the source encoding (255 for 8-bit, 65535 for 16-bit files);
   * `undefined` for values with no fixed range (DICOM after rescale, Hounsfield units).
   */
  readonly maxValue?: number | undefined;
}

/**
 * Checks sizes and builds a `RawImage` (the array is used as is, not copied).
 *
 * @example
 * const img = rawImage(new Float32Array(2 * 3), 2, 3, 1, 255);
 */
export function rawImage(
  data: Float32Array,
  height: number,
  width: number,
  channels: number,
  maxValue?: number,
): RawImage {
  for (const [name, v] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new Error(`rawImage: ${name} must be a positive integer, got ${v}`);
  }
  if (data.length !== height * width * channels) {
    throw new Error(
      `rawImage: expected ${height}x${width}x${channels} = ${height * width * channels} values, got ${data.length}`,
    );
  }
  return maxValue === undefined
    ? { data, height, width, channels }
    : { data, height, width, channels, maxValue };
}

/** A copy of `image` with new pixel data of the same shape (keeps `maxValue`). */
export function withData(image: RawImage, data: Float32Array): RawImage {
  return rawImage(data, image.height, image.width, image.channels, image.maxValue);
}

/** Smallest and largest value of the image (both 0 for an empty array). */
export function valueRange(data: Float32Array): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return data.length ? [lo, hi] : [0, 0];
}

/** An image size `[height, width]`, from a number (square) or a pair. */
export type ImageSize = readonly [number, number];

export function toSize(size: number | readonly [number, number], caller: string): ImageSize {
  const s: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (!s.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${caller}: size must be positive integers, got [${s}]`);
  }
  return s;
}

import type { Rng } from '@peftkit/core';
import { type ImageSize, type RawImage, toSize } from './raw-image.js';
import { cropWithPadding } from './resize.js';

/** A crop window: top-left corner and size. */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * Copies the window `box` out of `image`. The window must lie inside the image (pad first, or
 * use `centerCrop` which pads when the image is smaller).
 */
export function crop(image: RawImage, box: CropBox): RawImage {
  const { top, left, height, width } = box;
  if (top < 0 || left < 0 || top + height > image.height || left + width > image.width) {
    throw new Error(
      `crop: window ${height}x${width} at (${top}, ${left}) does not fit a ${image.height}x${image.width} image`,
    );
  }
  return cropWithPadding(image, top, left, height, width);
}

/** The centre window of `size`, as torchvision's `CenterCrop` (offsets rounded). */
export function centerBox(height: number, width: number, size: number | ImageSize): CropBox {
  const [h, w] = toSize(size, 'centerBox');
  return { top: Math.round((height - h) / 2), left: Math.round((width - w) / 2), height: h, width: w };
}

/** Centre crop; an image smaller than `size` is padded with `padValue` (default 0), as torchvision. */
export function centerCrop(image: RawImage, size: number | ImageSize, padValue = 0): RawImage {
  const b = centerBox(image.height, image.width, size);
  return cropWithPadding(image, b.top, b.left, b.height, b.width, padValue);
}

/**
 * A uniformly random window of `size` inside an image of `height x width` grown by `padding` on
 * every side (CIFAR-style "pad 4, crop 32"): `top`/`left` may be negative when padding is used.
 */
export function randomBox(
  height: number,
  width: number,
  size: number | ImageSize,
  rng: Rng,
  padding = 0,
): CropBox {
  const [h, w] = toSize(size, 'randomBox');
  const spanH = height + 2 * padding - h;
  const spanW = width + 2 * padding - w;
  if (spanH < 0 || spanW < 0) {
    throw new Error(
      `randomBox: crop ${h}x${w} is larger than the ${height}x${width} image (padding ${padding})`,
    );
  }
  return { top: rng.int(spanH + 1) - padding, left: rng.int(spanW + 1) - padding, height: h, width: w };
}

/** Crops a window chosen by `randomBox`; padded parts get `padValue`. */
export function randomCrop(
  image: RawImage,
  size: number | ImageSize,
  rng: Rng,
  padding = 0,
  padValue = 0,
): RawImage {
  const b = randomBox(image.height, image.width, size, rng, padding);
  return cropWithPadding(image, b.top, b.left, b.height, b.width, padValue);
}

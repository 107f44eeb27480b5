import { type RawImage, rawImage } from './raw-image.js';

/** ITU-R BT.601 luma weights (what PIL and torchvision's `rgb_to_grayscale` use). */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/** Drops the alpha channel of grey+alpha (2) or RGBA (4) images; others are returned as is. */
export function dropAlpha(image: RawImage): RawImage {
  const { channels: c } = image;
  if (c !== 2 && c !== 4) return image;
  const keep = c - 1;
  const n = image.height * image.width;
  const out = new Float32Array(n * keep);
  for (let i = 0; i < n; i++) out.set(image.data.subarray(i * c, i * c + keep), i * keep);
  return rawImage(out, image.height, image.width, keep, image.maxValue);
}

/**
 * Converts to 1 (grey) or 3 (RGB) channels: grey is replicated into R, G and B (exactly, so a
 * greyscale scan can feed an ImageNet-shaped model), RGB becomes BT.601 luma. Alpha is dropped.
 *
 * @example toChannels(greyXray, 3) // [H, W, 3] with R = G = B
 */
export function toChannels(image: RawImage, channels: 1 | 3): RawImage {
  const img = dropAlpha(image);
  if (img.channels === channels) return img;
  const n = img.height * img.width;
  const src = img.data;
  if (img.channels === 1 && channels === 3) {
    const out = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const v = src[i] as number;
      out[3 * i] = v;
      out[3 * i + 1] = v;
      out[3 * i + 2] = v;
    }
    return rawImage(out, img.height, img.width, 3, img.maxValue);
  }
  if (img.channels === 3 && channels === 1) {
    const [r, g, b] = LUMA_WEIGHTS;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = r * (src[3 * i] as number) + g * (src[3 * i + 1] as number) + b * (src[3 * i + 2] as number);
    }
    return rawImage(out, img.height, img.width, 1, img.maxValue);
  }
  throw new Error(`toChannels: cannot convert ${img.channels} channels to ${channels}`);
}

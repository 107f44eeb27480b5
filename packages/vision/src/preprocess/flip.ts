import { type RawImage, withData } from './raw-image.js';

/** Mirrors left-right. */
export function flipHorizontal(image: RawImage): RawImage {
  const { height: h, width: w, channels: c, data } = image;
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = (y * w + (w - 1 - x)) * c;
      out.set(data.subarray(from, from + c), (y * w + x) * c);
    }
  }
  return withData(image, out);
}

/** Mirrors top-bottom. */
export function flipVertical(image: RawImage): RawImage {
  const { height: h, width: w, channels: c, data } = image;
  const out = new Float32Array(data.length);
  const row = w * c;
  for (let y = 0; y < h; y++) out.set(data.subarray((h - 1 - y) * row, (h - y) * row), y * row);
  return withData(image, out);
}

import { LUMA_WEIGHTS } from './channels.js';
import { type RawImage, withData } from './raw-image.js';

/** Clamp range for jitter results; `undefined` leaves values unclamped. */
export type ValueRange = readonly [number, number] | undefined;

function clampInto(out: Float32Array, range: ValueRange): Float32Array {
  if (!range) return out;
  const [lo, hi] = range;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(hi, Math.max(lo, out[i] as number));
  return out;
}

/**
 * Scales every value by `factor` (torchvision's `adjust_brightness`: 0 gives black, 1 the
 * original), then clamps to `range` (default [0, 1], for unit-range images).
 */
export function adjustBrightness(image: RawImage, factor: number, range: ValueRange = [0, 1]): RawImage {
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (image.data[i] as number) * factor;
  return withData(image, clampInto(out, range));
}

/** Mean grey level: the mean of BT.601 luma for RGB, of the values for one channel. */
export function meanGrey(image: RawImage): number {
  const { data, channels: c } = image;
  const n = image.height * image.width;
  let sum = 0;
  if (c >= 3) {
    const [r, g, b] = LUMA_WEIGHTS;
    for (let i = 0; i < n; i++) {
      sum += r * (data[i * c] as number) + g * (data[i * c + 1] as number) + b * (data[i * c + 2] as number);
    }
  } else {
    for (let i = 0; i < n; i++) sum += data[i * c] as number;
  }
  return sum / n;
}

/**
 * Moves values towards (factor < 1) or away from (factor > 1) the mean grey level, as
 * torchvision's `adjust_contrast`: `mean + factor * (x - mean)`, clamped to `range`.
 */
export function adjustContrast(image: RawImage, factor: number, range: ValueRange = [0, 1]): RawImage {
  const m = meanGrey(image);
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = m + factor * ((image.data[i] as number) - m);
  return withData(image, clampInto(out, range));
}

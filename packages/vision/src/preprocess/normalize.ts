import { type RawImage, valueRange, withData } from './raw-image.js';

/** torchvision's ImageNet statistics, for RGB values in [0, 1]. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * `(x - mean[c]) / std[c]` per channel. `mean`/`std` have one entry per channel, or one entry
 * for all channels.
 *
 * @example normalizeMeanStd(img, IMAGENET_MEAN, IMAGENET_STD)
 */
export function normalizeMeanStd(image: RawImage, mean: readonly number[], std: readonly number[]): RawImage {
  const c = image.channels;
  for (const [name, v] of [
    ['mean', mean],
    ['std', std],
  ] as const) {
    if (v.length !== c && v.length !== 1) {
      throw new Error(
        `normalizeMeanStd: ${name} has ${v.length} entries for a ${c}-channel image (give ${c} or 1; convert grey images with channels: 3 for ImageNet statistics)`,
      );
    }
  }
  if (std.some((s) => !(s > 0))) throw new Error(`normalizeMeanStd: std must be > 0, got [${std}]`);
  const m = Array.from({ length: c }, (_, i) => (mean.length === 1 ? mean[0] : mean[i]) as number);
  const inv = Array.from({ length: c }, (_, i) => 1 / ((std.length === 1 ? std[0] : std[i]) as number));
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const ch = i % c;
    out[i] = ((image.data[i] as number) - (m[ch] as number)) * (inv[ch] as number);
  }
  return withData(image, out);
}

/**
 * Per-image z-score over all values: `(x - mean) / max(std, eps)`. Removes scanner-dependent
 * offsets and gains, a common choice for medical images without fixed intensity units.
 */
export function zScore(image: RawImage, eps = 1e-6): RawImage {
  const d = image.data;
  let sum = 0;
  for (let i = 0; i < d.length; i++) sum += d[i] as number;
  const mean = sum / d.length;
  let sq = 0;
  for (let i = 0; i < d.length; i++) sq += ((d[i] as number) - mean) ** 2;
  const std = Math.max(Math.sqrt(sq / d.length), eps);
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = ((d[i] as number) - mean) / std;
  return withData(image, out);
}

/** Per-image min-max scaling to [0, 1]; a constant image becomes all zeros. */
export function minMax(image: RawImage): RawImage {
  const [lo, hi] = valueRange(image.data);
  const span = hi - lo;
  const out = new Float32Array(image.data.length);
  if (span > 0) for (let i = 0; i < out.length; i++) out[i] = ((image.data[i] as number) - lo) / span;
  return withData(image, out);
}

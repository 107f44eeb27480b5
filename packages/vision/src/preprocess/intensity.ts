import { type RawImage, rawImage, withData } from './raw-image.js';

/**
 * Divides by the source's nominal maximum (255 or 65535), giving [0, 1]. 16-bit data keeps its
 * full precision (float32 holds every 16-bit integer exactly).
 */
export function scaleToUnit(image: RawImage): RawImage {
  const max = image.maxValue;
  if (max === undefined) {
    throw new Error(
      'scaleToUnit: the image has no nominal range (e.g. DICOM after rescale); use a window or min-max normalisation',
    );
  }
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (image.data[i] as number) / max;
  return rawImage(out, image.height, image.width, image.channels, 1);
}

/** A display window: values around `center` within `width` map to [0, 1] (CT "level/width"). */
export interface IntensityWindow {
  readonly center: number;
  readonly width: number;
}

/**
 * Linear windowing as DICOM defines it (PS3.3 C.11.2.1.2.1, the `LINEAR` VOI LUT function):
 * values `<= c - 0.5 - (w - 1) / 2` give 0, values `> c - 0.5 + (w - 1) / 2` give 1, and in
 * between `(x - (c - 0.5)) / (w - 1) + 0.5`. Used for CT (e.g. lung `{center: -600, width: 1500}`,
 * soft tissue `{center: 40, width: 400}`) and for any 16-bit data with a known range of interest.
 *
 * @example applyWindow(ctSliceInHu, { center: 40, width: 400 })
 */
export function applyWindow(image: RawImage, window: IntensityWindow): RawImage {
  const { center: c, width: w } = window;
  if (!(w >= 1)) throw new Error(`applyWindow: width must be >= 1, got ${w}`);
  const lo = c - 0.5 - (w - 1) / 2;
  const hi = c - 0.5 + (w - 1) / 2;
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const x = image.data[i] as number;
    out[i] = x <= lo ? 0 : x > hi ? 1 : w === 1 ? 1 : (x - (c - 0.5)) / (w - 1) + 0.5;
  }
  return rawImage(out, image.height, image.width, image.channels, 1);
}

/** Multiplies every value by `a` and adds `b` (DICOM Rescale Slope/Intercept, unit conversions). */
export function affineIntensity(image: RawImage, a: number, b: number): RawImage {
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (image.data[i] as number) * a + b;
  return withData({ ...image, maxValue: undefined }, out);
}

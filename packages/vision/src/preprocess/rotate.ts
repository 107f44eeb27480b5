import { type RawImage, withData } from './raw-image.js';

/**
 * Rotates by `degrees` counter-clockwise (torchvision's convention) about the image centre,
 * keeping the size; each output pixel samples the source bilinearly and pixels that fall
 * outside the source get `fill` (default 0).
 *
 * @example rotate(img, 10) // a small training-time rotation
 */
export function rotate(image: RawImage, degrees: number, fill = 0): RawImage {
  if (degrees === 0) return image;
  const { height: h, width: w, channels: c, data } = image;
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const out = new Float32Array(data.length);
  const at = (y: number, x: number, ch: number) =>
    y < 0 || y >= h || x < 0 || x >= w ? fill : (data[(y * w + x) * c + ch] as number);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map: the source point that lands on (x, y) (y axis points down).
      const dx = x - cx;
      const dy = y - cy;
      const sx = cx + dx * cos - dy * sin;
      const sy = cy + dx * sin + dy * cos;
      const o = (y * w + x) * c;
      if (sx <= -1 || sx >= w || sy <= -1 || sy >= h) {
        for (let ch = 0; ch < c; ch++) out[o + ch] = fill;
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < c; ch++) {
        const top = at(y0, x0, ch) * (1 - fx) + at(y0, x0 + 1, ch) * fx;
        const bottom = at(y0 + 1, x0, ch) * (1 - fx) + at(y0 + 1, x0 + 1, ch) * fx;
        out[o + ch] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return withData(image, out);
}

import { type ImageSize, type RawImage, rawImage, toSize } from './raw-image.js';

/**
 * How `resize` maps an image onto a target size: `fill` stretches to it; `cover` scales
 * (keeping the aspect ratio) until both sides cover it and centre-crops the overflow; `contain`
 * scales until both sides fit and pads the rest with `fill` values, centred.
 */
export type ResizeFit = 'fill' | 'cover' | 'contain';

export interface ResizeOptions {
  fit?: ResizeFit;
  /** Value of padded pixels for `contain` (default 0). */
  padValue?: number;
}

interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array[];
}

/**
 * Filter weights along one axis: a triangle (linear) filter whose radius grows with the
 * downscale factor, so shrinking averages every source pixel (antialiasing) and enlarging is
 * plain bilinear with half-pixel centres (PyTorch's `align_corners=False`). Taps outside the
 * image are dropped and the rest renormalised. Same size gives the identity exactly.
 */
function axisWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights: Float32Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inSize, Math.ceil(centre + support));
    const w = new Float32Array(hi - lo);
    let sum = 0;
    for (let j = lo; j < hi; j++) {
      const v = Math.max(0, 1 - Math.abs(j + 0.5 - centre) / support);
      w[j - lo] = v;
      sum += v;
    }
    if (sum > 0) for (let k = 0; k < w.length; k++) w[k] = (w[k] as number) / sum;
    start[i] = lo;
    count[i] = w.length;
    weights.push(w);
  }
  return { start, count, weights };
}

/** Resamples to exactly `[height, width]` (aspect ratio not kept). */
function resample(image: RawImage, outH: number, outW: number): RawImage {
  const { height: h, width: w, channels: c, data } = image;
  if (outH === h && outW === w) return image;
  const wx = axisWeights(w, outW);
  const wy = axisWeights(h, outH);
  const tmp = new Float32Array(h * outW * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      const s = wx.start[x] as number;
      const n = wx.count[x] as number;
      const ws = wx.weights[x] as Float32Array;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += (ws[k] as number) * (data[(y * w + s + k) * c + ch] as number);
        tmp[(y * outW + x) * c + ch] = acc;
      }
    }
  }
  const out = new Float32Array(outH * outW * c);
  for (let y = 0; y < outH; y++) {
    const s = wy.start[y] as number;
    const n = wy.count[y] as number;
    const ws = wy.weights[y] as Float32Array;
    for (let x = 0; x < outW; x++) {
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += (ws[k] as number) * (tmp[((s + k) * outW + x) * c + ch] as number);
        out[(y * outW + x) * c + ch] = acc;
      }
    }
  }
  return rawImage(out, outH, outW, c, image.maxValue);
}

/** Copies the window `[top, top + h) x [left, left + w)`; parts outside the image get `padValue`. */
export function cropWithPadding(
  image: RawImage,
  top: number,
  left: number,
  h: number,
  w: number,
  padValue = 0,
): RawImage {
  const { height, width, channels: c, data } = image;
  const out = new Float32Array(h * w * c);
  if (padValue !== 0) out.fill(padValue);
  for (let y = 0; y < h; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < w; x++) {
      const sx = left + x;
      if (sx < 0 || sx >= width) continue;
      const from = (sy * width + sx) * c;
      out.set(data.subarray(from, from + c), (y * w + x) * c);
    }
  }
  return rawImage(out, h, w, c, image.maxValue);
}

/**
 * Resizes to `size` (`[height, width]` or a square side) with an antialiasing linear filter.
 * Deterministic and pure TypeScript, so PNG files, MedMNIST arrays and DICOM pixels go through
 * exactly the same code.
 *
 * @example
 * resize(img, [224, 224], { fit: 'cover' });
 */
export function resize(image: RawImage, size: number | ImageSize, options: ResizeOptions = {}): RawImage {
  const [th, tw] = toSize(size, 'resize');
  const fit = options.fit ?? 'fill';
  if (fit === 'fill') return resample(image, th, tw);
  const { height: h, width: w } = image;
  const scale = fit === 'cover' ? Math.max(th / h, tw / w) : Math.min(th / h, tw / w);
  const clampSide = (v: number, target: number) =>
    fit === 'cover' ? Math.max(target, Math.round(v)) : Math.max(1, Math.min(target, Math.round(v)));
  const nh = clampSide(h * scale, th);
  const nw = clampSide(w * scale, tw);
  const scaled = resample(image, nh, nw);
  if (nh === th && nw === tw) return scaled;
  // cover: crop the centre; contain: pad around (negative offsets).
  const top = Math.round((nh - th) / 2);
  const left = Math.round((nw - tw) / 2);
  return cropWithPadding(scaled, top, left, th, tw, options.padValue ?? 0);
}

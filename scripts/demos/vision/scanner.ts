import type { Rng } from '@peftkit/core';

/**
 * How "scanner B" acquires an image differently from the source scanner. Each field is one
 * physical cause of a domain shift a hospital meets when it installs a new device.
 */
export interface ScannerProfile {
  /** Mean in-plane rotation in degrees (a tilted gantry or detector) ... */
  readonly rotateDeg: number;
  /** ... plus a uniform per-image jitter of this many degrees (patient positioning). */
  readonly rotateJitterDeg: number;
  /** Gaussian point-spread function of the optics, in pixels. */
  readonly blurSigma: number;
  /** Detector response curve `x^gamma`. */
  readonly gamma: number;
  /** Inverted polarity (DICOM MONOCHROME1: bright means low signal). */
  readonly invert: boolean;
  /** Additive Gaussian read-out noise (std, on the [0, 1] scale). */
  readonly noiseStd: number;
}

/** The new scanner of the demo: every cause at once, strong enough to break the source model. */
export const SCANNER_B: ScannerProfile = {
  rotateDeg: 12,
  rotateJitterDeg: 4,
  blurSigma: 0.9,
  gamma: 0.55,
  invert: true,
  noiseStd: 0.08,
};

/** Rotates a square-ish grey image about its centre (bilinear, zero outside). */
function rotate(src: Float32Array, h: number, w: number, degrees: number): Float32Array {
  const out = new Float32Array(h * w);
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const at = (y: number, x: number) => (y < 0 || y >= h || x < 0 || x >= w ? 0 : (src[y * w + x] as number));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse mapping: where in the source does this output pixel come from.
      const sy = cos * (y - cy) - sin * (x - cx) + cy;
      const sx = sin * (y - cy) + cos * (x - cx) + cx;
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      out[y * w + x] =
        (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
        fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
    }
  }
  return out;
}

/** Separable Gaussian blur with clamped edges. */
function blur(src: Float32Array, h: number, w: number, sigma: number): Float32Array {
  if (sigma <= 0) return src;
  const radius = Math.max(1, Math.ceil(2.5 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma ** 2)),
  );
  const sum = kernel.reduce((s, k) => s + k, 0);
  const k = kernel.map((v) => v / sum);
  const pass = (input: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let i = -radius; i <= radius; i++) {
          const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + i));
          const xx = horizontal ? Math.min(w - 1, Math.max(0, x + i)) : x;
          acc += (k[i + radius] as number) * (input[yy * w + xx] as number);
        }
        out[y * w + x] = acc;
      }
    }
    return out;
  };
  return pass(pass(src, true), false);
}

/**
 * Acquires one image (grey, values in [0, 1]) with `profile`: positioning, optics, detector
 * response, polarity, read-out noise, then 8-bit quantisation as the device stores it. The only
 * randomness (rotation jitter, noise) comes from `rng`, so a seed fixes every pixel.
 */
export function acquire(
  image: Float32Array,
  h: number,
  w: number,
  profile: ScannerProfile,
  rng: Rng,
): Uint8Array {
  const angle = profile.rotateDeg + rng.uniform(-profile.rotateJitterDeg, profile.rotateJitterDeg);
  const sharp = blur(rotate(image, h, w, angle), h, w, profile.blurSigma);
  const out = new Uint8Array(h * w);
  for (let i = 0; i < out.length; i++) {
    let v = Math.max(0, Math.min(1, sharp[i] as number)) ** profile.gamma;
    if (profile.invert) v = 1 - v;
    v += rng.normal(0, profile.noiseStd);
    out[i] = Math.round(255 * Math.max(0, Math.min(1, v)));
  }
  return out;
}

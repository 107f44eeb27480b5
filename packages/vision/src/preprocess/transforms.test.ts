import { Rng } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { dropAlpha, toChannels } from './channels.js';
import { adjustBrightness, adjustContrast } from './color-jitter.js';
import { centerCrop, crop, randomBox, randomCrop } from './crop.js';
import { flipHorizontal, flipVertical } from './flip.js';
import { affineIntensity, applyWindow, scaleToUnit } from './intensity.js';
import { IMAGENET_MEAN, IMAGENET_STD, minMax, normalizeMeanStd, zScore } from './normalize.js';
import { type RawImage, rawImage } from './raw-image.js';
import { resize } from './resize.js';
import { rotate } from './rotate.js';

/** A 1-channel image from rows. */
const grey = (rows: number[][], maxValue?: number): RawImage =>
  rawImage(Float32Array.from(rows.flat()), rows.length, rows[0]!.length, 1, maxValue);
const rows = (img: RawImage): number[][] =>
  Array.from({ length: img.height }, (_, y) =>
    Array.from(img.data.subarray(y * img.width, (y + 1) * img.width)),
  );

describe('resize', () => {
  const img = grey([
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9, 10, 11],
    [12, 13, 14, 15],
  ]);

  it('is the identity at the same size', () => {
    expect(Array.from(resize(img, 4).data)).toEqual(Array.from(img.data));
  });

  it('averages with a widened triangle filter when halving (antialiased)', () => {
    // Radius-2 triangle between two pixels: taps 1/8, 3/8, 3/8, 1/8; edge taps renormalised (as PIL).
    const out = resize(grey([[0, 0, 0, 8, 8, 8, 16, 16]]), [1, 4]);
    expect(out.data[0]).toBeCloseTo(0, 6);
    expect(out.data[1]).toBeCloseTo((0 * 1 + 0 * 3 + 8 * 3 + 8 * 1) / 8, 5);
    expect(out.data[2]).toBeCloseTo((8 * 1 + 8 * 3 + 8 * 3 + 16 * 1) / 8, 5);
    expect(out.data[3]).toBeCloseTo((8 * 1 + 16 * 3 + 16 * 3) / 7, 5);
    expect(resize(img, 2).height).toBe(2);
  });

  it('is bilinear with half-pixel centres when enlarging', () => {
    const out = resize(grey([[0, 4]]), [1, 4]);
    // align_corners=False: centres at 0.25, 0.75 -> [0, 1, 3, 4] with edge clamping.
    expect(Array.from(out.data)).toEqual([0, 1, 3, 4]);
  });

  it('cover crops and contain pads to the target size', () => {
    const wide = grey([[1, 2, 3, 4, 5, 6, 7, 8]]);
    const cover = resize(wide, [1, 4], { fit: 'cover' });
    expect(Array.from(cover.data)).toEqual([3, 4, 5, 6]);
    const tall = grey([[1], [2]]);
    const contain = resize(tall, [2, 4], { fit: 'contain', padValue: -1 });
    expect(rows(contain)).toEqual([
      [-1, 1, -1, -1],
      [-1, 2, -1, -1],
    ]);
  });
});

describe('crop and flips', () => {
  const img = grey([
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 9],
  ]);

  it('crops, centre-crops (padding small images) and random-crops within bounds', () => {
    expect(rows(crop(img, { top: 1, left: 1, height: 2, width: 2 }))).toEqual([
      [5, 6],
      [8, 9],
    ]);
    expect(() => crop(img, { top: 2, left: 0, height: 2, width: 2 })).toThrow('does not fit');
    expect(rows(centerCrop(img, 1))).toEqual([[5]]);
    expect(rows(centerCrop(grey([[1]]), 3))).toEqual([
      [0, 0, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    const rng = new Rng(1);
    for (let i = 0; i < 20; i++) {
      const b = randomBox(3, 3, 2, rng, 1);
      expect(b.top).toBeGreaterThanOrEqual(-1);
      expect(b.top).toBeLessThanOrEqual(2);
    }
    const a = randomCrop(img, 2, new Rng(5));
    const b = randomCrop(img, 2, new Rng(5));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('flips', () => {
    expect(rows(flipHorizontal(img))[0]).toEqual([3, 2, 1]);
    expect(rows(flipVertical(img))[0]).toEqual([7, 8, 9]);
    const rgb = rawImage(Float32Array.from([1, 2, 3, 4, 5, 6]), 1, 2, 3);
    expect(Array.from(flipHorizontal(rgb).data)).toEqual([4, 5, 6, 1, 2, 3]);
  });

  it('rotates counter-clockwise; 90 degrees matches a transpose-and-flip', () => {
    const r = rotate(img, 90);
    expect(rows(r).map((row) => row.map((v) => Math.round(v * 1e4) / 1e4))).toEqual([
      [3, 6, 9],
      [2, 5, 8],
      [1, 4, 7],
    ]);
    expect(rotate(img, 0)).toBe(img);
    const small = rotate(img, 10, -5);
    expect(small.data[4]).toBeCloseTo(5, 5); // centre is fixed
    expect(small.data[0]).not.toBe(1);
  });
});

describe('channels, intensity, jitter, normalisation', () => {
  it('replicates grey to RGB exactly, converts RGB to luma, drops alpha', () => {
    const g = grey([[10, 20]]);
    expect(Array.from(toChannels(g, 3).data)).toEqual([10, 10, 10, 20, 20, 20]);
    const rgb = rawImage(Float32Array.from([100, 50, 200]), 1, 1, 3);
    expect(toChannels(rgb, 1).data[0]).toBeCloseTo(0.299 * 100 + 0.587 * 50 + 0.114 * 200, 4);
    const rgba = rawImage(Float32Array.from([1, 2, 3, 255]), 1, 1, 4);
    expect(Array.from(dropAlpha(rgba).data)).toEqual([1, 2, 3]);
  });

  it('scales by the nominal range and windows like DICOM', () => {
    expect(Array.from(scaleToUnit(grey([[0, 65535]], 65535)).data)).toEqual([0, 1]);
    expect(() => scaleToUnit(grey([[0]]))).toThrow('no nominal range');
    // Window 40/400: lo = -160.5 + ..., values at the ends clamp.
    const w = applyWindow(grey([[-1000, 39.5, 1000]]), { center: 40, width: 400 });
    expect(Array.from(w.data)).toEqual([0, 0.5, 1]);
    const hu = affineIntensity(grey([[0, 1024]], 4095), 1, -1024);
    expect(Array.from(hu.data)).toEqual([-1024, 0]);
    expect(hu.maxValue).toBeUndefined();
  });

  it('jitters brightness and contrast with clamping', () => {
    const g = grey([[0.2, 0.6]]);
    expect(Array.from(adjustBrightness(g, 2).data).map((v) => +v.toFixed(6))).toEqual([0.4, 1]);
    expect(Array.from(adjustContrast(g, 0).data).map((v) => +v.toFixed(6))).toEqual([0.4, 0.4]);
    expect(Array.from(adjustContrast(g, 2, undefined).data).map((v) => +v.toFixed(6))).toEqual([0, 0.8]);
  });

  it('normalises by mean/std, z-score and min-max', () => {
    const rgb = rawImage(Float32Array.from([0.485, 0.456, 0.406, 0.714, 0.68, 0.631]), 1, 2, 3);
    const n = normalizeMeanStd(rgb, IMAGENET_MEAN, IMAGENET_STD);
    Array.from(n.data).forEach((v, i) => {
      expect(v).toBeCloseTo(i < 3 ? 0 : 1, 5);
    });
    expect(() => normalizeMeanStd(grey([[1]]), IMAGENET_MEAN, IMAGENET_STD)).toThrow('channels: 3');
    const z = zScore(grey([[1, 3]]));
    expect(Array.from(z.data)).toEqual([-1, 1]);
    expect(Array.from(minMax(grey([[5, 7, 6]])).data)).toEqual([0, 1, 0.5]);
    expect(Array.from(minMax(grey([[5, 5]])).data)).toEqual([0, 0]);
  });
});

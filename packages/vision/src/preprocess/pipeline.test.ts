import { Rng } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { ImagePipeline } from './pipeline.js';
import { rawImage } from './raw-image.js';

const ramp = (h: number, w: number, c: number, max?: number) =>
  rawImage(
    Float32Array.from({ length: h * w * c }, (_, i) => i),
    h,
    w,
    c,
    max,
  );

describe('ImagePipeline', () => {
  it('runs the eval steps deterministically and reports the output shape', () => {
    const p = new ImagePipeline({ channels: 3, resize: { size: 8 }, crop: 6, normalize: 'imagenet' });
    expect(p.outputShape()).toEqual([6, 6, 3]);
    expect(p.augments).toBe(false);
    const img = ramp(10, 12, 1, 65535);
    const a = p.apply(img);
    expect([a.height, a.width, a.channels]).toEqual([6, 6, 3]);
    expect(Array.from(p.apply(img).data)).toEqual(Array.from(a.data));
  });

  it('augments only with a draw, reproducibly from the seed', () => {
    const p = new ImagePipeline({
      crop: 4,
      augment: { randomCrop: true, cropPadding: 1, hflip: 0.5, rotate: 10, brightness: 0.2, contrast: 0.2 },
    });
    expect(p.augments).toBe(true);
    const img = ramp(6, 6, 1, 255);
    const d1 = p.draw(new Rng(3));
    const d2 = p.draw(new Rng(3));
    expect(d1).toEqual(d2);
    expect(Array.from(p.apply(img, d1).data)).toEqual(Array.from(p.apply(img, d2).data));
    const evalOut = p.apply(img);
    const outs = new Set(
      [1, 2, 3, 4, 5].map((s) => Array.from(p.apply(img, p.draw(new Rng(s))).data).join()),
    );
    expect(outs.size).toBeGreaterThan(1);
    expect(outs.has(Array.from(evalOut.data).join())).toBe(false);
    // Unit-range images stay in [0, 1] after jitter.
    for (const s of [1, 2, 3])
      for (const v of p.apply(img, p.draw(new Rng(s))).data) expect(v).toBeLessThanOrEqual(1);
  });

  it('maps intensity: auto (nominal range or min-max), window, none', () => {
    const raw16 = rawImage(Float32Array.from([0, 32768, 65535]), 1, 3, 1, 65535);
    expect(Array.from(new ImagePipeline().apply(raw16).data)).toEqual([0, 32768 / 65535, 1].map(Math.fround));
    const hu = rawImage(Float32Array.from([-1000, 0, 1000]), 1, 3, 1);
    expect(Array.from(new ImagePipeline().apply(hu).data)).toEqual([0, 0.5, 1]);
    expect(() => new ImagePipeline({ intensity: 'unit' }).apply(hu)).toThrow('no nominal range');
    const windowed = new ImagePipeline({ intensity: { center: 0.5, width: 2 } }).apply(hu);
    expect(Array.from(windowed.data)).toEqual([0, 0.5, 1]);
    expect(Array.from(new ImagePipeline({ intensity: 'none' }).apply(hu).data)).toEqual([-1000, 0, 1000]);
  });

  it('drops alpha, converts to grey, and validates its options', () => {
    const rgba = rawImage(Float32Array.from([255, 255, 255, 0]), 1, 1, 4, 255);
    const g = new ImagePipeline({ channels: 1 }).apply(rgba);
    expect(g.channels).toBe(1);
    expect(g.data[0]).toBeCloseTo(1, 5);
    expect(() => new ImagePipeline({ augment: { hflip: 2 } })).toThrow();
    expect(() => new ImagePipeline({ normalize: 'imagenet' }).apply(ramp(2, 2, 1, 255))).toThrow(
      'channels: 3',
    );
  });
});

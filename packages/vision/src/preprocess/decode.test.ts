import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from './decode.js';
import { decodeImages } from './decode-batch.js';
import { scaleToUnit } from './intensity.js';
import { zScore } from './normalize.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-decode-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const W = 5;
const H = 3;

function ramp16(channels: number): Uint16Array {
  const a = new Uint16Array(W * H * channels);
  for (let i = 0; i < a.length; i++) a[i] = (i * 4099 + 7) % 65536;
  a[a.length - 1] = 65535;
  return a;
}

function ramp8(channels: number): Uint8Array {
  const a = new Uint8Array(W * H * channels);
  for (let i = 0; i < a.length; i++) a[i] = (i * 37 + 3) % 256;
  return a;
}

async function write(name: string, image: ReturnType<typeof sharp>): Promise<string> {
  const p = path.join(dir, name);
  await image.toFile(p);
  return p;
}

const raw = (data: Uint8Array | Uint16Array, channels: 1 | 2 | 3 | 4) =>
  sharp(data, { raw: { width: W, height: H, channels } });

describe('decodeImage', () => {
  it('decodes 8-bit grey and RGB PNG exactly', async () => {
    const grey = ramp8(1);
    const g = await decodeImage(await write('g8.png', raw(grey, 1).toColourspace('b-w').png()));
    expect([g.height, g.width, g.channels, g.bitDepth, g.maxValue, g.format]).toEqual([
      H,
      W,
      1,
      8,
      255,
      'png',
    ]);
    expect(Array.from(g.data)).toEqual(Array.from(grey));

    const rgb = ramp8(3);
    const c = await decodeImage(await write('c8.png', raw(rgb, 3).png()));
    expect([c.channels, c.bitDepth]).toEqual([3, 8]);
    expect(Array.from(c.data)).toEqual(Array.from(rgb));
  });

  it('keeps 16-bit grey PNG values exactly', async () => {
    const v = ramp16(1);
    const img = await decodeImage(await write('g16.png', raw(v, 1).toColourspace('grey16').png()));
    expect([img.channels, img.bitDepth, img.maxValue]).toEqual([1, 16, 65535]);
    expect(Array.from(img.data)).toEqual(Array.from(v));
  });

  it('keeps 16-bit RGBA PNG values, dropping or keeping alpha', async () => {
    const v = ramp16(4);
    const file = await write('c16.png', raw(v, 4).toColourspace('rgb16').png());
    const rgb = await decodeImage(file);
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data)).toEqual(Array.from(v).filter((_, i) => i % 4 !== 3));
    const rgba = await decodeImage(file, { keepAlpha: true });
    expect(rgba.channels).toBe(4);
    expect(Array.from(rgba.data)).toEqual(Array.from(v));
  });

  it('keeps 16-bit TIFF values (lossless compression) and 8-bit TIFF', async () => {
    const v = ramp16(1);
    const t16 = await decodeImage(
      await write('g16.tif', raw(v, 1).toColourspace('grey16').tiff({ compression: 'lzw' })),
    );
    expect([t16.bitDepth, t16.format]).toEqual([16, 'tiff']);
    expect(Array.from(t16.data)).toEqual(Array.from(v));
    const rgb = ramp8(3);
    const t8 = await decodeImage(await write('c8.tif', raw(rgb, 3).tiff({ compression: 'deflate' })));
    expect(Array.from(t8.data)).toEqual(Array.from(rgb));
  });

  it('decodes lossless WebP exactly and JPEG approximately', async () => {
    const rgb = ramp8(3);
    const webp = await decodeImage(await write('c.webp', raw(rgb, 3).webp({ lossless: true })));
    expect(Array.from(webp.data)).toEqual(Array.from(rgb));
    const flat = new Uint8Array(W * H * 3).fill(100);
    const jpeg = await decodeImage(await write('c.jpg', raw(flat, 3).jpeg({ quality: 95 })));
    expect([jpeg.height, jpeg.width, jpeg.channels, jpeg.format]).toEqual([H, W, 3, 'jpeg']);
    for (const x of jpeg.data) expect(Math.abs(x - 100)).toBeLessThanOrEqual(2);
  });

  it('16-bit values survive scaling and normalisation', async () => {
    const v = ramp16(1);
    const img = await decodeImage(await write('n16.png', raw(v, 1).toColourspace('grey16').png()));
    const unit = scaleToUnit(img);
    // Every 16-bit level stays distinct: no rounding to 8 bits on the way.
    expect(Array.from(unit.data, (x) => Math.round(x * 65535))).toEqual(Array.from(v));
    const z = zScore(img);
    const mean = Array.from(v).reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(Array.from(v).reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    Array.from(v).forEach((x, i) => {
      expect(z.data[i]).toBeCloseTo((x - mean) / std, 5);
    });
  });

  it('names the file of a corrupt or truncated image', async () => {
    const bad = path.join(dir, 'bad.png');
    await fs.writeFile(bad, Buffer.from('not an image at all'));
    await expect(decodeImage(bad)).rejects.toThrow(ImageDecodeError);
    await expect(decodeImage(bad)).rejects.toThrow(`cannot decode image ${bad}`);
    const good = await fs.readFile(await write('t.png', raw(ramp8(3), 3).png()));
    const truncated = path.join(dir, 'truncated.png');
    await fs.writeFile(truncated, good.subarray(0, good.length - 20));
    await expect(decodeImage(truncated)).rejects.toThrow(truncated);
    await expect(decodeImage(new Uint8Array([1, 2, 3]), { name: 'upload.png' })).rejects.toThrow(
      'upload.png',
    );
  });
});

describe('decodeImages', () => {
  it('decodes concurrently in input order and skips corrupt files when asked', async () => {
    const paths: string[] = [];
    for (let i = 0; i < 6; i++) {
      paths.push(
        await write(
          `b${i}.png`,
          raw(new Uint8Array(W * H).fill(i * 10), 1)
            .toColourspace('b-w')
            .png(),
        ),
      );
    }
    const bad = path.join(dir, 'b-bad.png');
    await fs.writeFile(bad, 'garbage');
    const all = [...paths.slice(0, 3), bad, ...paths.slice(3)];
    await expect(decodeImages(all, { concurrency: 2 })).rejects.toThrow(bad);
    const r = await decodeImages(all, { concurrency: 2, skipCorrupt: true });
    expect(r.images.map((im) => im.data[0])).toEqual([0, 10, 20, 30, 40, 50]);
    expect(r.indices).toEqual([0, 1, 2, 4, 5, 6]);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]?.path).toBe(bad);
  });
});

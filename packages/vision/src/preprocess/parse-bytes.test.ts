import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_INPUT_LIMITS, Rng } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDicom } from '../data/dicom-writer.js';
import type { ImageExample } from '../data/image-example.js';
import { ImagePreprocessor, imagePreprocessorOptions } from './image-preprocessor.js';

/**
 * `parseBytes` (uploads to `peftkit serve`) against `parseInput` (a path for `peftkit predict`):
 * the same file must give the same batch tensor both ways, for every decoder the plugin has.
 */
let dir: string;
const files: Record<string, string> = {};
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-parse-bytes-'));
  const rgb = Uint8Array.from({ length: 12 * 10 * 3 }, (_, k) => (k * 37 + 11) % 256);
  const raw = { raw: { width: 12, height: 10, channels: 3 as const } };
  files['png'] = path.join(dir, 'x.png');
  await sharp(rgb, raw).png().toFile(files['png']);
  files['jpeg'] = path.join(dir, 'x.jpg');
  await sharp(rgb, raw).jpeg({ quality: 80 }).toFile(files['jpeg']);
  files['webp'] = path.join(dir, 'x.webp');
  await sharp(rgb, raw).webp({ quality: 70 }).toFile(files['webp']);
  const grey16 = Uint16Array.from({ length: 9 * 7 }, (_, k) => (k * 977) % 65536);
  files['png16'] = path.join(dir, 'x16.png');
  await sharp(Buffer.from(grey16.buffer), { raw: { width: 9, height: 7, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toFile(files['png16']);
  files['dicom'] = path.join(dir, 'x.dcm');
  await fs.writeFile(
    files['dicom'],
    encodeDicom({
      rows: 6,
      columns: 5,
      pixels: Array.from({ length: 30 }, (_, k) => k * 40),
      bitsAllocated: 16,
      windowCenter: 500,
      windowWidth: 800,
    }),
  );
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const MEDIA: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  png16: 'image/png',
  dicom: 'application/dicom',
};

async function batchOf(
  pre: ImagePreprocessor,
  example: ImageExample,
): Promise<{ shape: number[]; data: Float32Array }> {
  const ctx = { training: false, rng: new Rng(1) };
  const batch = pre.collate([await pre.encode(example, ctx)]);
  const x = batch.inputs[0] as tf.Tensor;
  const out = { shape: x.shape, data: x.dataSync() as Float32Array };
  x.dispose();
  return out;
}

describe('ImagePreprocessor.parseBytes', () => {
  for (const kind of Object.keys(MEDIA)) {
    it(`gives the tensors parseInput gives for the same ${kind} file`, async () => {
      const pre = new ImagePreprocessor(
        imagePreprocessorOptions.parse({ resize: { size: 8 }, normalize: 'z-score' }),
      );
      const file = files[kind] as string;
      const fromPath = await batchOf(pre, pre.parseInput(file));
      const bytes = new Uint8Array(await fs.readFile(file));
      const fromBytes = await batchOf(pre, await pre.parseBytes(bytes, MEDIA[kind] as string, 'upload'));
      expect(fromBytes.shape).toEqual(fromPath.shape);
      expect(fromBytes.shape[1]).toBe(8);
      // Bit-identical, not just close: one decoder, one pipeline.
      expect(Array.from(fromBytes.data)).toEqual(Array.from(fromPath.data));
      expect(new Set(fromPath.data).size).toBeGreaterThan(3);
    });
  }

  it('declares the media types it decodes', () => {
    const pre = new ImagePreprocessor(imagePreprocessorOptions.parse({}));
    expect(pre.mediaTypes).toEqual(expect.arrayContaining(Object.values(MEDIA)));
    expect(pre.mediaTypes).not.toContain('audio/wav');
  });

  it("fails on corrupt or truncated bytes with the decoder's message naming the upload", async () => {
    const pre = new ImagePreprocessor(imagePreprocessorOptions.parse({}));
    const png = new Uint8Array(await fs.readFile(files['png'] as string));
    await expect(pre.parseBytes(png.subarray(0, 60), 'image/png', 'cut.png')).rejects.toThrow(
      /cannot decode image cut\.png/,
    );
    await expect(
      pre.parseBytes(new TextEncoder().encode('not a png'), 'image/png', 'text.png'),
    ).rejects.toThrow(/cannot decode image text\.png/);
    await expect(pre.parseBytes(png, 'application/dicom', 'fake.dcm')).rejects.toThrow(
      /cannot read DICOM fake\.dcm/,
    );
  });

  it('keeps the run limits: an image over maxImageBytes is refused before decoding', async () => {
    const limits = { ...DEFAULT_INPUT_LIMITS, maxImageBytes: 100 };
    const pre = new ImagePreprocessor(imagePreprocessorOptions.parse({}), undefined, limits);
    const png = new Uint8Array(await fs.readFile(files['png'] as string));
    await expect(pre.parseBytes(png, 'image/png', 'big.png')).rejects.toThrow(/big\.png/);
  });
});

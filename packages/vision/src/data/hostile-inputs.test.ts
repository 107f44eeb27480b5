import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  encodeNpy,
  encodeNpz,
  InputLimitError,
  PathOutsideRootError,
  resolveInputLimits,
} from '@peftkit/core';
import { gzipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from '../preprocess/decode.js';
import { readCsvManifest } from './csv-manifest.js';
import { decodeDicom } from './dicom.js';
import { encodeDicom } from './dicom-writer.js';
import { encodeIdxU8, parseIdx } from './idx.js';
import { readMedMnist } from './medmnist.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vision-hostile-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** A PNG whose header says width x height at `bitDepth` RGB; the pixel data is a token stub. */
function pngHeaderOnly(width: number, height: number, bitDepth: 8 | 16): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('image size limits', () => {
  it('refuses a 16000x16000 16-bit RGB PNG from its header, before decoding a pixel', async () => {
    const file = path.join(dir, 'bomb.png');
    await fs.writeFile(file, pngHeaderOnly(16000, 16000, 16));
    const rss = process.memoryUsage().rss;
    const err = await decodeImage(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputLimitError);
    expect((err as InputLimitError).limit).toBe('maxImageBytes');
    expect((err as Error).message).toMatch(
      /image .*bomb\.png \(16000x16000, 3 channels, float32\) decodes to 2\.9 GiB, over limits\.maxImageBytes \(1\.0 GiB\); .*--set limits\.maxImageBytes=/,
    );
    // Nothing near the 3 GiB the decode would need was allocated.
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
  });

  it('applies a run-config limit and still decodes images inside it', async () => {
    const small = path.join(dir, 'small.png');
    await sharp(new Uint8Array(64 * 64 * 3).fill(7), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toFile(small);
    const limits = resolveInputLimits({ maxImageBytes: 64 * 64 * 3 * 4 - 1 });
    await expect(decodeImage(small, { limits })).rejects.toThrow(
      /decodes to 48\.0 KiB, over limits\.maxImageBytes/,
    );
    const ok = await decodeImage(small, { limits: resolveInputLimits({ maxImageBytes: 64 * 64 * 3 * 4 }) });
    expect([ok.width, ok.height, ok.channels, ok.data[0]]).toEqual([64, 64, 3, 7]);
    // Raised past the bomb's size, the limit no longer stops it: the stub data then fails to decode.
    const file = path.join(dir, 'bomb2.png');
    await fs.writeFile(file, pngHeaderOnly(2000, 2000, 16));
    await expect(
      decodeImage(file, { limits: resolveInputLimits({ maxImageBytes: 2 ** 40 }) }),
    ).rejects.toThrow(ImageDecodeError);
  });

  it('refuses a DICOM frame larger than maxImageBytes from its Rows/Columns', () => {
    const bytes = encodeDicom({ rows: 64, columns: 64, pixels: new Array(64 * 64).fill(1) });
    expect(() =>
      decodeDicom(bytes, 'ct.dcm', { limits: resolveInputLimits({ maxImageBytes: 1000 }) }),
    ).toThrow(/DICOM ct\.dcm \(64x64x1, float32\) decodes to 16\.0 KiB, over limits\.maxImageBytes/);
    expect(decodeDicom(bytes, 'ct.dcm').width).toBe(64);
  });

  it('checks a gzipped IDX file against maxInflatedBytes before inflating', () => {
    const idx = encodeIdxU8([100, 28, 28], new Uint8Array(100 * 28 * 28));
    const gz = gzipSync(idx);
    expect(() => parseIdx(gz, 'imgs.gz', resolveInputLimits({ maxInflatedBytes: 10_000 }))).toThrow(
      /imgs\.gz: the gzip data declares an inflated size of 76\.6 KiB, over limits\.maxInflatedBytes/,
    );
    expect(parseIdx(gz, 'imgs.gz').shape).toEqual([100, 28, 28]);
  });
});

describe('CSV manifest paths stay inside the dataset folder', () => {
  it('refuses ../ escapes, absolute paths and symlinks out; data.allowOutsideRoot lets them through', async () => {
    const root = path.join(dir, 'ds');
    await fs.mkdir(path.join(root, 'imgs'), { recursive: true });
    await fs.writeFile(path.join(dir, 'outside.png'), 'x');
    await fs.symlink(path.join(dir, 'outside.png'), path.join(root, 'imgs', 'link.png'));
    const cases: [string, RegExp][] = [
      ['../../x.png', /m\.csv:3 column 'path': path '\.\.\/\.\.\/x\.png' leads outside the dataset folder/],
      ['/etc/passwd', /m\.csv:3 column 'path': absolute path '\/etc\/passwd' refused/],
      ['imgs/link.png', /m\.csv:3 column 'path': path 'imgs\/link\.png' resolves \(through a symlink\)/],
    ];
    for (const [p, message] of cases) {
      const csv = path.join(root, 'm.csv');
      await fs.writeFile(csv, `path,label\nimgs/a.png,x\n${p},y\n`);
      const err = await readCsvManifest(csv).catch((e: unknown) => e);
      expect(err, p).toBeInstanceOf(PathOutsideRootError);
      expect((err as Error).message).toMatch(message);
      const allowed = await readCsvManifest(csv, {}, undefined, { allowOutsideRoot: true });
      expect(allowed.examples).toHaveLength(2);
    }
  });

  it('refuses an unbalanced quote with the line number instead of merging rows', async () => {
    const csv = path.join(dir, 'q.csv');
    await fs.writeFile(csv, 'path,label\na.png,x\n"b.png,y\nc.png",z\n');
    await expect(readCsvManifest(csv)).rejects.toThrow(
      /q\.csv:3: quoted field still open at the end of the line/,
    );
  });
});

describe('MedMNIST', () => {
  it('says "empty split" for a split with no examples', async () => {
    const file = path.join(dir, 'empty.npz');
    await fs.writeFile(
      file,
      encodeNpz({
        train_images: encodeNpy('|u1', [0, 2, 2], []),
        train_labels: encodeNpy('<i8', [0, 1], []),
        val_images: encodeNpy('|u1', [1, 2, 2], [1, 2, 3, 4]),
        val_labels: encodeNpy('<i8', [1, 1], [1]),
      }),
    );
    await expect(readMedMnist(file, 'train')).rejects.toThrow(
      "empty.npz: empty split 'train' (train_images has 0 examples, train_labels 0)",
    );
    expect((await readMedMnist(file, 'val')).examples.length).toBe(1);
  });
});

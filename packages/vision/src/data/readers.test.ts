import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dataset } from '@peftkit/core';
import { encodeNpy, encodeNpz } from '@peftkit/core';
import { gzipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvManifest } from './csv-manifest.js';
import { encodeDicom } from './dicom-writer.js';
import { encodeIdxU8 } from './idx.js';
import { idxReader } from './idx-reader.js';
import type { ImageExample } from './image-example.js';
import { imageFolderReader, readImageFolder } from './image-folder.js';
import { loadImage } from './load-source.js';
import { medMnistReader, readMedMnist } from './medmnist.js';
import { loadMnistDigits, mnistPackageReader } from './mnist-package.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-readers-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const png = (value: number) =>
  sharp(new Uint8Array(4).fill(value), { raw: { width: 2, height: 2, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();

async function all<T>(ds: Dataset<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: ds.length }, (_, i) => ds.get(i)));
}

describe('image folder', () => {
  it('reads one class per subfolder (recursively, sorted) including DICOM files', async () => {
    const root = path.join(dir, 'folder');
    for (const [cls, file, v] of [
      ['normal', 'a.png', 10],
      ['normal', 'sub/b.png', 20],
      ['pneumonia', 'c.png', 30],
    ] as const) {
      await fs.mkdir(path.dirname(path.join(root, cls, file)), { recursive: true });
      await fs.writeFile(path.join(root, cls, file), await png(v));
    }
    await fs.writeFile(
      path.join(root, 'pneumonia', 'd.dcm'),
      encodeDicom({ rows: 2, columns: 2, pixels: [1, 2, 3, 4] }),
    );
    await fs.writeFile(path.join(root, 'normal', 'notes.txt'), 'ignored');
    const f = await readImageFolder(root);
    expect(f.labels).toEqual(['normal', 'pneumonia']);
    expect(
      f.examples.map((e) => [path.relative(root, (e.source as { path: string }).path), e.label]),
    ).toEqual([
      ['normal/a.png', 0],
      ['normal/sub/b.png', 0],
      ['pneumonia/c.png', 1],
      ['pneumonia/d.dcm', 1],
    ]);
    expect(f.examples[3]?.source.kind).toBe('dicom');
    const img = await loadImage(f.examples[1]!.source);
    expect(Array.from(img.data)).toEqual([20, 20, 20, 20]);
    expect(Array.from((await loadImage(f.examples[3]!.source)).data)).toEqual([1, 2, 3, 4]);
    expect(await imageFolderReader.canRead(root)).toBe(true);
    // Eval data: a class outside the model's labels is skipped and reported.
    const evalRead = await imageFolderReader.read(root, {
      options: {},
      labels: ['pneumonia'],
      split: 'eval',
    });
    expect(evalRead.dataset.length).toBe(2);
    expect(evalRead.warnings?.[0]).toContain("'normal'");
  });
});

describe('CSV manifest', () => {
  it('reads single-label and multi-label manifests with relative paths', async () => {
    const csv = path.join(dir, 'm.csv');
    await fs.writeFile(csv, 'path,label,effusion,nodule\nimgs/a.png,sick,1,0\n"imgs/b,c.png",well,0,1\n');
    const single = await readCsvManifest(csv);
    expect(single.labels).toEqual(['sick', 'well']);
    expect(single.examples.map((e) => [(e.source as { path: string }).path, e.label])).toEqual([
      [path.join(dir, 'imgs/a.png'), 0],
      [path.join(dir, 'imgs/b,c.png'), 1],
    ]);
    const multi = await readCsvManifest(csv, { labelColumns: ['effusion', 'nodule'] });
    expect([multi.multiLabel, multi.labels, multi.examples.map((e) => e.label)]).toEqual([
      true,
      ['effusion', 'nodule'],
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    await expect(readCsvManifest(csv, { pathColumn: 'file' })).rejects.toThrow("no column 'file'");
    const bad = path.join(dir, 'bad.csv');
    await fs.writeFile(bad, 'path,x\na.png,maybe\n');
    await expect(readCsvManifest(bad, { labelColumns: ['x'] })).rejects.toThrow(
      `${bad}:2: column 'x' must be 0/1`,
    );
  });
});

describe('MedMNIST npz', () => {
  it('reads train/val/test splits, single- and multi-label', async () => {
    const file = path.join(dir, 'tiny.npz');
    const imgs = (n: number, base: number) =>
      encodeNpy(
        '|u1',
        [n, 2, 2],
        Array.from({ length: n * 4 }, (_, i) => base + i),
      );
    await fs.writeFile(
      file,
      encodeNpz({
        train_images: imgs(3, 0),
        train_labels: encodeNpy('<i8', [3, 1], [0, 1, 1]),
        val_images: imgs(2, 100),
        val_labels: encodeNpy('<i8', [2, 1], [1, 0]),
        test_images: imgs(1, 200),
        test_labels: encodeNpy('<i8', [1, 2], [1, 1]),
      }),
    );
    const train = await readMedMnist(file, 'train');
    expect([train.labels, train.multiLabel, train.examples.length]).toEqual([['0', '1'], false, 3]);
    const e1 = train.examples.get(1);
    expect(e1.label).toBe(1);
    expect(e1.source.kind === 'pixels' && Array.from(e1.source.image.data)).toEqual([4, 5, 6, 7]);
    expect(e1.source.kind === 'pixels' && e1.source.image.maxValue).toBe(255);
    const test = await readMedMnist(file, 'test', { labelNames: ['effusion', 'nodule'] });
    expect([test.multiLabel, test.labels, test.examples.get(0).label]).toEqual([
      true,
      ['effusion', 'nodule'],
      [1, 1],
    ]);
    const val = await medMnistReader.read(file, {
      options: { trainSplit: 'train', evalSplit: 'val' },
      labels: ['0', '1'],
      split: 'eval',
    });
    expect((await all(val.dataset as Dataset<ImageExample>)).map((e) => e.label)).toEqual([1, 0]);
  });

  it('names the file for missing arrays and corrupt archives', async () => {
    const file = path.join(dir, 'partial.npz');
    await fs.writeFile(file, encodeNpz({ train_images: encodeNpy('|u1', [1, 1, 1], [0]) }));
    await expect(readMedMnist(file, 'train')).rejects.toThrow(`${file}: no 'train_labels' array`);
    const corrupt = path.join(dir, 'corrupt.npz');
    await fs.writeFile(corrupt, 'this is not a zip');
    await expect(readMedMnist(corrupt, 'train')).rejects.toThrow(`${corrupt}: not a valid .npz`);
  });
});

describe('IDX and mnist package', () => {
  it('reads an MNIST-layout folder (gzipped) and a single images file', async () => {
    const root = path.join(dir, 'idx');
    await fs.mkdir(root);
    await fs.writeFile(
      path.join(root, 'train-images-idx3-ubyte.gz'),
      gzipSync(encodeIdxU8([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7])),
    );
    await fs.writeFile(path.join(root, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdxU8([2], [3, 1])));
    await fs.writeFile(path.join(root, 't10k-images-idx3-ubyte'), encodeIdxU8([1, 2, 2], [9, 9, 9, 9]));
    await fs.writeFile(path.join(root, 't10k-labels-idx1-ubyte'), encodeIdxU8([1], [2]));
    expect(await idxReader.canRead(root)).toBe(true);
    const train = await idxReader.read(root, { options: {}, split: 'train' });
    expect(train.labels).toEqual(['0', '1', '2', '3']);
    const ex = await all(train.dataset as Dataset<ImageExample>);
    expect(ex.map((e) => e.label)).toEqual([3, 1]);
    const test = await idxReader.read(path.join(root, 't10k-images-idx3-ubyte'), {
      options: {},
      split: 'eval',
      labels: train.labels,
    });
    expect((await all(test.dataset as Dataset<ImageExample>))[0]?.label).toBe(2);
  });

  it('loads the mnist package digits with a fixed split', async () => {
    const { examples, labels } = await loadMnistDigits('train', { limitPerDigit: 3 });
    expect(labels).toHaveLength(10);
    expect(examples.length).toBe(30);
    const e = await examples.get(29);
    expect(e.label).toBe(9);
    const img = e.source.kind === 'pixels' ? e.source.image : undefined;
    expect([img?.height, img?.width, img?.channels, img?.maxValue]).toEqual([28, 28, 1, 1]);
    expect(Math.max(...(img?.data ?? []))).toBeGreaterThan(0.5);
    const test = await mnistPackageReader.read('mnist', {
      options: { trainFraction: 0.8, limitPerDigit: 2 },
      split: 'eval',
    });
    expect(test.dataset.length).toBe(20);
    expect(mnistPackageReader.canRead('mnist:test')).toBe(true);
  });
});

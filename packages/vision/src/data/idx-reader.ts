import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type DatasetReader, type ReadResult, z } from '@peftkit/core';
import { arrayImageDataset } from './array-images.js';
import { readIdx } from './idx.js';
import type { ImageExample } from './image-example.js';

export const idxOptions = z.strictObject({
  /** Class names in label order (default '0'...'9' style ids; Fashion-MNIST users name them here). */
  labelNames: z.array(z.string().min(1)).optional(),
});

export type IdxOptions = z.output<typeof idxOptions>;

/** File stems of the MNIST layout, by split. */
const STEMS = { train: 'train', eval: 't10k' } as const;

async function findFile(dir: string, stem: string): Promise<string> {
  for (const name of [stem, `${stem}.gz`]) {
    const p = path.join(dir, name);
    if (
      await fs.stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return p;
  }
  throw new Error(`${dir}: no ${stem} or ${stem}.gz`);
}

/**
 * Locates the images and labels files: `location` is an images file (`*-images-idx3-ubyte[.gz]`,
 * whose labels file is found by name) or a folder in the MNIST layout (`train-*` for training,
 * `t10k-*` for eval).
 */
export async function idxFiles(
  location: string,
  split: 'train' | 'eval',
): Promise<{ images: string; labels: string }> {
  const stat = await fs.stat(location).catch(() => undefined);
  if (stat?.isDirectory()) {
    const stem = STEMS[split];
    return {
      images: await findFile(location, `${stem}-images-idx3-ubyte`),
      labels: await findFile(location, `${stem}-labels-idx1-ubyte`),
    };
  }
  if (!/images-idx3-ubyte(\.gz)?$/.test(location)) {
    throw new Error(`${location}: expected an *-images-idx3-ubyte[.gz] file or a folder of them`);
  }
  const base = path.basename(location).replace(/images-idx3-ubyte(\.gz)?$/, 'labels-idx1-ubyte');
  return { images: location, labels: await findFile(path.dirname(location), base) };
}

/**
 * Reads an IDX image/label pair (MNIST, Fashion-MNIST, KMNIST; gzipped or not) as examples.
 *
 * @example
 * const { examples } = await readIdxPair('fashion/train-images-idx3-ubyte.gz', 'fashion/train-labels-idx1-ubyte.gz');
 */
export async function readIdxPair(imagesFile: string, labelsFile: string, labelNames?: readonly string[]) {
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (labels.shape.length !== 1) throw new Error(`${labelsFile}: labels must be 1-D, got [${labels.shape}]`);
  if (labels.shape[0] !== images.shape[0]) {
    throw new Error(
      `${imagesFile} has ${images.shape[0]} images but ${labelsFile} has ${labels.shape[0]} labels`,
    );
  }
  let max = 0;
  for (const v of labels.data) max = Math.max(max, v);
  const names = labelNames ?? Array.from({ length: max + 1 }, (_, i) => String(i));
  if (max >= names.length)
    throw new Error(`${labelsFile}: label ${max} has no name (labelNames has ${names.length})`);
  const maxValue = images.data instanceof Uint8Array ? 255 : undefined;
  const examples = arrayImageDataset(
    { data: images.data, shape: images.shape, maxValue },
    (i) => labels.data[i] as number,
    imagesFile,
  );
  return { examples, labels: names };
}

/** `vision/idx`: MNIST-format IDX files (images + labels), gzipped or not. */
export const idxReader: DatasetReader<ImageExample, IdxOptions> = {
  id: 'vision/idx',
  description: 'IDX image/label files (MNIST, Fashion-MNIST layout), gzipped or not',
  formats: ['idx3-ubyte', 'idx3-ubyte.gz', 'folder with train-*/t10k-* IDX files'],
  optionsSchema: idxOptions,
  async canRead(p) {
    if (/images-idx3-ubyte(\.gz)?$/.test(p)) return true;
    return idxFiles(p, 'train').then(
      () => true,
      () => false,
    );
  },
  async read(p, { options, labels, split }): Promise<ReadResult<ImageExample>> {
    const files = await idxFiles(p, split);
    const data = await readIdxPair(files.images, files.labels, options.labelNames ?? labels);
    return { dataset: data.examples, labels: data.labels, labelOf: (e) => e.label as number };
  },
};

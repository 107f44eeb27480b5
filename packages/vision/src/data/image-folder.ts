import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  arrayDataset,
  type DatasetReader,
  describeUnseen,
  indexLabels,
  type ReadResult,
  z,
} from '@peftkit/core';
import { type ImageExample, isImagePath, sourceForPath } from './image-example.js';

export const imageFolderOptions = z.strictObject({
  /** Only files with these extensions (default: PNG, JPEG, WebP, TIFF and DICOM). */
  extensions: z.array(z.string().regex(/^\.[A-Za-z0-9]+$/)).optional(),
});

export type ImageFolderOptions = z.output<typeof imageFolderOptions>;

/** What `readImageFolder` found. */
export interface ImageFolder {
  readonly examples: ImageExample[];
  readonly labels: readonly string[];
  readonly warnings: string[];
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/**
 * Reads a folder with one subfolder per class (`root/<class>/**​/<image>`), as torchvision's
 * `ImageFolder`: classes are the subfolder names, sorted; files are found recursively and kept
 * in sorted order. With `labels` (eval data), class folders outside that set are skipped and
 * reported. Files are not decoded here.
 *
 * @example
 * const { examples, labels } = await readImageFolder('data/xray'); // labels ['normal', 'pneumonia']
 */
export async function readImageFolder(
  root: string,
  options: Partial<ImageFolderOptions> = {},
  labels?: readonly string[],
): Promise<ImageFolder> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch((err: Error) => {
    throw new Error(`cannot read image folder ${root}: ${err.message}`, { cause: err });
  });
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  if (!classes.length)
    throw new Error(`${root}: no class subfolders (expected ${root}/<class>/<image files>)`);
  const exts = options.extensions?.map((e) => e.toLowerCase());
  const accept = (p: string) => (exts ? exts.includes(path.extname(p).toLowerCase()) : isImagePath(p));
  const indexed = indexLabels(classes, labels);
  const warnings: string[] = [];
  if (indexed.unseen.size)
    warnings.push(
      `${root}: skipped class folders the model was not trained on: ${describeUnseen(indexed.unseen)}`,
    );
  const examples: ImageExample[] = [];
  const order = classes
    .map((c, i) => ({ c, label: indexed.indices[i] as number }))
    .sort((a, b) => a.label - b.label);
  for (const { c, label } of order) {
    if (label < 0) continue;
    const files = (await listFiles(path.join(root, c))).filter(accept);
    if (!files.length) warnings.push(`${root}/${c}: no image files`);
    for (const f of files) examples.push({ source: sourceForPath(f), label });
  }
  if (!examples.length) throw new Error(`${root}: no image files in any class folder`);
  return { examples, labels: indexed.labels, warnings };
}

/** `vision/image-folder`: a directory with one subfolder of images per class. */
export const imageFolderReader: DatasetReader<ImageExample, ImageFolderOptions> = {
  id: 'vision/image-folder',
  description: 'a folder with one subfolder of images (PNG, JPEG, WebP, TIFF, DICOM) per class',
  formats: ['folder/<class>/*.png|jpg|webp|tif|dcm'],
  optionsSchema: imageFolderOptions,
  async canRead(p) {
    const stat = await fs.stat(p).catch(() => undefined);
    if (!stat?.isDirectory()) return false;
    const entries = await fs.readdir(p, { withFileTypes: true });
    return entries.some((e) => e.isDirectory());
  },
  async read(p, { options, labels }): Promise<ReadResult<ImageExample>> {
    const folder = await readImageFolder(p, options, labels);
    return {
      dataset: arrayDataset(folder.examples, p),
      labels: folder.labels,
      labelOf: (e) => e.label as number,
      warnings: folder.warnings,
    };
  },
};

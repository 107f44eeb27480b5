import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  arrayDataset,
  assertRealInside,
  type DatasetReader,
  describeUnseen,
  indexLabels,
  readTextBounded,
} from '@peftkit/core';
import { z } from 'zod';
import type { TextExample } from './text-example.js';

export const folderOptions = z.strictObject({
  /** File extensions read as examples (default `.txt`). */
  extensions: z
    .array(z.string().regex(/^\.[A-Za-z0-9]+$/))
    .min(1)
    .default(['.txt']),
});

export type FolderOptions = z.output<typeof folderOptions>;

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * `nlp/folder`: a directory with one sub-directory per label, each holding text files, one
 * example per file (`train/pos/001.txt`, `train/neg/002.txt`), as the IMDB archive is laid out.
 * Files are read in sorted order, so runs are reproducible; a file that is a symlink leading
 * outside the folder is refused unless `data.allowOutsideRoot`. At evaluation time, sub-directories
 * named after labels the model was not trained on are skipped and reported.
 */
export const folderReader: DatasetReader<TextExample, FolderOptions> = {
  id: 'nlp/folder',
  description: 'a directory of <label>/ sub-directories holding one .txt file per example',
  formats: ['directory of <label>/*.txt'],
  optionsSchema: folderOptions,
  async canRead(p) {
    if (!(await isDirectory(p))) return false;
    const entries = await fs.readdir(p, { withFileTypes: true });
    return (
      entries.some((e) => e.isDirectory()) && !entries.some((e) => e.isFile() && /\.(txt)$/i.test(e.name))
    );
  },
  async read(dir, { options, labels, limits, allowOutsideRoot }) {
    if (!(await isDirectory(dir))) throw new Error(`${dir}: not a directory`);
    const classDirs = (await fs.readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    if (classDirs.length === 0) throw new Error(`${dir}: no label sub-directories`);
    const files: { label: string; file: string }[] = [];
    for (const label of classDirs) {
      const names = (await fs.readdir(path.join(dir, label))).filter((n) =>
        options.extensions.some((ext) => n.toLowerCase().endsWith(ext.toLowerCase())),
      );
      for (const n of names.sort()) files.push({ label, file: path.join(dir, label, n) });
    }
    const mapped = indexLabels(
      files.map((f) => f.label),
      labels,
    );
    const examples: TextExample[] = [];
    for (const [i, f] of files.entries()) {
      const label = mapped.indices[i] as number;
      if (label < 0) continue;
      // A symlink in the dataset folder must not pull in files from elsewhere.
      assertRealInside(dir, f.file, f.file, { allowOutsideRoot });
      examples.push({ text: (await readTextBounded(f.file, limits)).trim(), label });
    }
    const warnings = mapped.unseen.size
      ? [
          `${dir}: skipped files in label directories the model was not trained on: ${describeUnseen(mapped.unseen, 'file')}`,
        ]
      : [];
    return {
      dataset: arrayDataset(examples, dir),
      labels: mapped.labels,
      labelOf: (e) => e.label ?? -1,
      warnings,
    };
  },
};

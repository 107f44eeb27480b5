import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { arrayDataset, type DatasetReader, readTextBounded } from '@peftkit/core';
import { z } from 'zod';
import type { TextExample } from './text-example.js';

export const corpusOptions = z.strictObject({
  /** One example per `line`, per `paragraph` (blank-line separated, default) or per `file`. */
  split: z.enum(['line', 'paragraph', 'file']).default('paragraph'),
  /** Shorter pieces (after trimming) are dropped (default 1). */
  minChars: z.number().int().nonnegative().default(1),
  /** For directories: file extensions to read (default `.txt`). */
  extensions: z
    .array(z.string().regex(/^\.[A-Za-z0-9]+$/))
    .min(1)
    .default(['.txt']),
});

export type CorpusOptions = z.output<typeof corpusOptions>;

/** Splits one file's text into example texts. */
export function splitCorpus(text: string, split: CorpusOptions['split'], minChars: number): string[] {
  const pieces =
    split === 'file' ? [text] : split === 'line' ? text.split(/\r?\n/) : text.split(/\r?\n\s*\r?\n/);
  return pieces.map((p) => p.trim()).filter((p) => p.length >= Math.max(1, minChars));
}

/**
 * `nlp/corpus`: unlabelled plain text for masked or causal language modelling: a `.txt` file or a
 * directory of them (sorted, recursively), split into lines, paragraphs or whole files.
 *
 * @example data: { train: 'corpus/', reader: 'nlp/corpus', options: { split: 'line' } }
 */
export const corpusReader: DatasetReader<TextExample, CorpusOptions> = {
  id: 'nlp/corpus',
  description:
    'plain text (.txt file or directory) for language modelling, one example per line/paragraph/file',
  formats: ['txt', 'directory of *.txt'],
  optionsSchema: corpusOptions,
  canRead: (p) => /\.txt$/i.test(p),
  async read(location, { options, limits }) {
    const stat = await fs.stat(location).catch(() => undefined);
    if (!stat) throw new Error(`${location}: not found`);
    const files: string[] = [];
    if (stat.isDirectory()) {
      const entries = await fs.readdir(location, { recursive: true, withFileTypes: true });
      for (const e of entries) {
        if (
          e.isFile() &&
          options.extensions.some((ext) => e.name.toLowerCase().endsWith(ext.toLowerCase()))
        ) {
          files.push(path.join(e.parentPath, e.name));
        }
      }
      files.sort();
      if (files.length === 0) throw new Error(`${location}: no ${options.extensions.join('/')} files`);
    } else files.push(location);
    const examples: TextExample[] = [];
    for (const f of files) {
      for (const text of splitCorpus(await readTextBounded(f, limits), options.split, options.minChars)) {
        examples.push({ text });
      }
    }
    if (examples.length === 0) throw new Error(`${location}: no text (minChars ${options.minChars})`);
    return { dataset: arrayDataset(examples, location) };
  },
};

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  arrayDataset,
  type DatasetReader,
  describeUnseen,
  indexLabels,
  type ReadResult,
  resolveInsideRoot,
  UserError,
  z,
} from '@peftkit/core';
import { audioCheckShape, checkAudioFiles } from './audio-checks.js';
import { type AudioExample, isAudioPath } from './audio-example.js';
import { BACKGROUND_NOISE_DIR, backgroundNoiseFiles } from './background-noise.js';
import { listAudioFiles } from './list-audio-files.js';

/** Speech Commands' split lists: files named in them belong to that split, all others to train. */
export const SPEECH_COMMANDS_LISTS = { validation: 'validation_list.txt', test: 'testing_list.txt' } as const;
const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
type FolderSplit = (typeof SPLIT_NAMES)[number];

export const folderOptions = z.strictObject({
  /** Split read as training data when the folder has split lists (default `train`). */
  trainSplit: z.enum(SPLIT_NAMES).default('train'),
  /** Split read as eval data, also while training without `data.eval` (default `validation`). */
  evalSplit: z.enum(SPLIT_NAMES).default('validation'),
  /** Sub-folder of noise recordings: not a class (see `backgroundNoiseFiles`). */
  backgroundNoiseDir: z.string().min(1).default(BACKGROUND_NOISE_DIR),
  ...audioCheckShape,
});

export type FolderOptions = z.output<typeof folderOptions>;

/** Speech Commands file names start with the speaker's hash: `0a7c2a8d_nohash_0.wav`. */
const SPEECH_COMMANDS_NAME = /^([0-9a-f]{8})_nohash_\d+\.[a-z0-9]+$/i;

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** The lists present in `root`, parsed: posix relative path -> split. */
async function readSplitLists(root: string): Promise<Map<string, FolderSplit> | undefined> {
  let found = false;
  const splitOf = new Map<string, FolderSplit>();
  for (const split of ['validation', 'test'] as const) {
    const file = path.join(root, SPEECH_COMMANDS_LISTS[split]);
    const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new UserError(`cannot read ${file}: ${err.message}`, 2, { cause: err });
    });
    if (text === undefined) continue;
    found = true;
    text.split('\n').forEach((raw, i) => {
      const entry = raw.trim();
      if (!entry) return;
      const where = `${file}:${i + 1}`;
      const key = toKey(root, resolveInsideRoot(root, entry, where, { hint: '' }));
      const before = splitOf.get(key);
      if (before && before !== split)
        throw new UserError(`${where}: '${entry}' is also in the ${before} list`);
      splitOf.set(key, split);
    });
  }
  return found ? splitOf : undefined;
}

function toKey(root: string, file: string): string {
  return path.relative(path.resolve(root), file).split(path.sep).join('/');
}

/**
 * Reads a folder with one sub-folder of audio files per class, as Speech Commands is laid out
 * (`root/<word>/<hash>_nohash_<n>.wav`): classes are the sub-folder names, sorted; files are found
 * recursively, in sorted order. `_background_noise_` is not a class: its recordings go with every
 * example (`AudioExample.noise`) as the noise that training-time augmentation mixes in. When `validation_list.txt`
 * / `testing_list.txt` exist, the files they name form the `validation` / `test` splits and all
 * others `train`; list entries must be audio files inside the class folders.
 */
export async function readAudioFolder(
  root: string,
  options: FolderOptions,
  labels: readonly string[] | undefined,
  split: FolderSplit | undefined,
): Promise<ReadResult<AudioExample>> {
  if (!(await isDirectory(root))) throw new UserError(`${root}: not a folder`);
  const entries = await fs.readdir(root, { withFileTypes: true });
  const classes = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== options.backgroundNoiseDir)
    .map((e) => e.name)
    .sort();
  if (!classes.length)
    throw new UserError(`${root}: no class sub-folders (expected ${root}/<class>/<audio files>)`);
  const lists = split ? await readSplitLists(root) : undefined;
  const files = new Map<string, string[]>();
  for (const c of classes) files.set(c, await listAudioFiles(path.join(root, c)));
  if (lists) {
    const all = new Set([...files.values()].flat().map((f) => toKey(root, f)));
    for (const key of lists.keys()) {
      if (!all.has(key)) {
        const list = SPEECH_COMMANDS_LISTS[lists.get(key) as 'validation' | 'test'];
        throw new UserError(
          `${path.join(root, list)}: '${key}' is not an audio file in a class folder of ${root}`,
        );
      }
    }
  }
  // Paths only: the preprocessor decodes them once, when noise augmentation first needs them.
  const noise = await backgroundNoiseFiles(root, options.backgroundNoiseDir);
  const indexed = indexLabels(classes, labels);
  const warnings: string[] = [];
  if (indexed.unseen.size) {
    warnings.push(
      `${root}: skipped class folders the model was not trained on: ${describeUnseen(indexed.unseen)}`,
    );
  }
  const examples: AudioExample[] = [];
  classes.forEach((c, i) => {
    const label = indexed.indices[i] as number;
    if (label < 0) return;
    for (const file of files.get(c) as string[]) {
      const key = toKey(root, file);
      if (lists && (lists.get(key) ?? 'train') !== split) continue;
      const speaker = SPEECH_COMMANDS_NAME.exec(path.basename(file))?.[1];
      examples.push({
        path: file,
        label,
        ...(speaker ? { speaker } : {}),
        source: key,
        ...(noise.length ? { noise } : {}),
      });
    }
  });
  const which = lists ? ` in split '${split}'` : '';
  if (!examples.length) throw new UserError(`${root}: no audio files${which} in its class folders`);
  const checked = await checkAudioFiles(examples, options);
  if (!checked.kept.length)
    throw new UserError(`${root}: no usable audio files${which}: ${checked.warnings.join('; ')}`);
  return {
    dataset: arrayDataset(checked.kept, lists ? `${root}[${split}]` : root),
    labels: indexed.labels,
    labelOf: (e) => e.label as number,
    warnings: [...warnings, ...checked.warnings],
  };
}

/**
 * `speech/folder`: one sub-folder of clips per class (Speech Commands, keyword spotting). With
 * Speech Commands' `validation_list.txt` / `testing_list.txt` it reports `train`, `validation`
 * and `test` splits, so training without `data.eval` scores the validation split and
 * `peftkit eval --split test` the test split.
 */
export const folderReader: DatasetReader<AudioExample, FolderOptions> = {
  id: 'speech/folder',
  description: 'a folder with one sub-folder of audio clips per class (Speech Commands layout, split lists)',
  formats: ['folder/<class>/*.wav|mp3|flac|ogg|opus', 'validation_list.txt', 'testing_list.txt'],
  optionsSchema: folderOptions,
  async canRead(p) {
    if (!(await isDirectory(p))) return false;
    const entries = await fs.readdir(p, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && /\.(tsv|csv)$/i.test(e.name))) return false;
    const dirs = entries.filter(
      (e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== BACKGROUND_NOISE_DIR,
    );
    // Looking into a few class folders keeps this cheap on 100k-file datasets.
    for (const d of dirs.slice(0, 3)) {
      const inner = await fs.readdir(path.join(p, d.name)).catch(() => []);
      if (inner.some(isAudioPath)) return true;
    }
    return false;
  },
  async splits(p, options) {
    const present: FolderSplit[] = ['train'];
    for (const split of ['validation', 'test'] as const) {
      if (await fs.stat(path.join(p, SPEECH_COMMANDS_LISTS[split])).catch(() => undefined))
        present.push(split);
    }
    if (present.length === 1) return undefined;
    const evalSplit =
      present.includes(options.evalSplit) && options.evalSplit !== options.trainSplit
        ? options.evalSplit
        : undefined;
    return { names: present, eval: evalSplit };
  },
  read(p, { options, labels, split, sourceSplit }) {
    const which =
      (sourceSplit as FolderSplit | undefined) ??
      (split === 'train' ? options.trainSplit : options.evalSplit);
    return readAudioFolder(p, options, labels, which);
  },
};

import type { NpyArray } from '@peftkit/core';
import {
  type DatasetReader,
  type InputLimits,
  npzArrayNames,
  type ReadResult,
  readNpz,
  z,
} from '@peftkit/core';
import { type ArrayImageDataset, arrayImageDataset } from './array-images.js';
import type { ImageExample } from './image-example.js';

export const MEDMNIST_SPLITS = ['train', 'val', 'test'] as const;
export type MedMnistSplit = (typeof MEDMNIST_SPLITS)[number];

export const medMnistOptions = z.strictObject({
  /** Split read for training data (default `train`). */
  trainSplit: z.enum(MEDMNIST_SPLITS).default('train'),
  /**
   * Split read for eval data (default `val`), also while training without `data.eval`; score
   * `test` for the final report with `peftkit eval --split test`.
   */
  evalSplit: z.enum(MEDMNIST_SPLITS).default('val'),
  /** Class names in label order (default '0', '1', ...). */
  labelNames: z.array(z.string().min(1)).optional(),
});

export type MedMnistOptions = z.output<typeof medMnistOptions>;

/** One split of a MedMNIST archive. */
export interface MedMnistData {
  readonly examples: ArrayImageDataset;
  readonly labels: readonly string[];
  /** True for `[N, K]` 0/1 labels (e.g. ChestMNIST's 14 findings). */
  readonly multiLabel: boolean;
}

const MAX_BY_DTYPE: Record<string, number> = { '|u1': 255, '<u2': 65535 };

/**
 * The splits of a MedMNIST `.npz`: every `<split>` with both `<split>_images` and
 * `<split>_labels`, MedMNIST's `train`, `val`, `test` first, then others by name.
 */
export async function medMnistSplits(file: string): Promise<string[]> {
  const arrays = new Set(await npzArrayNames(file));
  const found = [...arrays]
    .filter((a) => a.endsWith('_images') && arrays.has(`${a.slice(0, -'_images'.length)}_labels`))
    .map((a) => a.slice(0, -'_images'.length));
  const rank = (s: string) => {
    const i = (MEDMNIST_SPLITS as readonly string[]).indexOf(s);
    return i < 0 ? MEDMNIST_SPLITS.length : i;
  };
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Reads one split of a MedMNIST `.npz` (`<split>_images` `[N, H, W]` or `[N, H, W, 3]`, and
 * `<split>_labels` `[N, 1]` or `[N]` class ids, or `[N, K]` multi-label 0/1); only that split's
 * arrays are inflated. Images stay in the archive's arrays; examples are created on demand.
 *
 * @example
 * const { examples, labels } = await readMedMnist('pneumoniamnist.npz', 'train');
 */
export async function readMedMnist(
  file: string,
  split: MedMnistSplit | (string & {}),
  options: { labelNames?: readonly string[] | undefined; limits?: InputLimits | undefined } = {},
): Promise<MedMnistData> {
  const arrays = await readNpz(
    file,
    (a) => a === `${split}_images` || a === `${split}_labels`,
    options.limits,
  );
  const get = async (key: string): Promise<NpyArray> => {
    const a = arrays.get(key);
    if (!a) {
      const has = (await npzArrayNames(file)).join(', ') || 'none';
      throw new Error(`${file}: no '${key}' array (has: ${has})`);
    }
    return a;
  };
  const images = await get(`${split}_images`);
  const labels = await get(`${split}_labels`);
  const n = images.shape[0];
  if (n === 0 || labels.shape[0] === 0) {
    throw new Error(
      `${file}: empty split '${split}' (${split}_images has ${n ?? 'no'} examples, ${split}_labels ${labels.shape[0] ?? 'none'})`,
    );
  }
  if (labels.shape[0] !== n) {
    throw new Error(`${file}: ${split}_images has ${n} examples but ${split}_labels has ${labels.shape[0]}`);
  }
  const width = labels.shape.length === 1 ? 1 : labels.shape.length === 2 ? (labels.shape[1] as number) : -1;
  if (width < 1)
    throw new Error(`${file}: ${split}_labels must be [N], [N, 1] or [N, K], got [${labels.shape}]`);
  const name = `${file}:${split}`;
  const image = { data: images.data, shape: images.shape, maxValue: MAX_BY_DTYPE[images.dtype] };
  if (width > 1) {
    const names = options.labelNames ?? Array.from({ length: width }, (_, i) => String(i));
    if (names.length !== width)
      throw new Error(`${file}: ${width} label columns but ${names.length} labelNames`);
    const multi = (i: number) => Array.from(labels.data.subarray(i * width, (i + 1) * width), Number);
    return { examples: arrayImageDataset(image, multi, name), labels: names, multiLabel: true };
  }
  let max = 0;
  for (const v of labels.data) {
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`${file}: ${split}_labels must hold class ids >= 0, got ${v}`);
    max = Math.max(max, v);
  }
  const names = options.labelNames ?? Array.from({ length: max + 1 }, (_, i) => String(i));
  if (max >= names.length)
    throw new Error(`${file}: label ${max} has no name (labelNames has ${names.length})`);
  return {
    examples: arrayImageDataset(image, (i) => labels.data[i] as number, name),
    labels: names,
    multiLabel: false,
  };
}

/**
 * `vision/medmnist`: MedMNIST `.npz` archives (train/val/test splits). It reports the archive's
 * splits, so training without `data.eval` scores `evalSplit` rather than a hold-out of the train
 * split, and `peftkit eval --split test` reads the test split.
 */
export const medMnistReader: DatasetReader<ImageExample, MedMnistOptions> = {
  id: 'vision/medmnist',
  description: 'MedMNIST .npz archive: <split>_images and <split>_labels (train, val, test)',
  formats: ['npz'],
  optionsSchema: medMnistOptions,
  canRead: (p) => /\.npz$/i.test(p),
  async splits(p, options) {
    const names = await medMnistSplits(p);
    // Evaluating on the training split would measure nothing: then core holds out a fraction.
    const evalSplit =
      names.includes(options.evalSplit) && options.evalSplit !== options.trainSplit
        ? options.evalSplit
        : undefined;
    return { names, eval: evalSplit };
  },
  async read(p, { options, labels, split, sourceSplit, limits }): Promise<ReadResult<ImageExample>> {
    const which = sourceSplit ?? (split === 'train' ? options.trainSplit : options.evalSplit);
    const data = await readMedMnist(p, which, { labelNames: options.labelNames ?? labels, limits });
    if (labels && labels.join('\u0000') !== data.labels.join('\u0000')) {
      throw new Error(
        `${p}: labels [${data.labels.join(', ')}] differ from the model's [${labels.join(', ')}]`,
      );
    }
    return {
      dataset: data.examples,
      labels: data.labels,
      ...(data.multiLabel ? {} : { labelOf: (e: ImageExample) => e.label as number }),
    };
  },
};

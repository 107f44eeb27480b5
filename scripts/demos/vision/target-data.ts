import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { encodeNpy, encodeNpz, Rng } from '@peftkit/core';
import { loadMnistDigits } from '@peftkit/vision';
import { acquire, type ScannerProfile } from './scanner.js';

const SIDE = 28;

export interface TargetDataOptions {
  /** The `.npz` to write. */
  readonly file: string;
  readonly profile: ScannerProfile;
  readonly seed: number;
  /** Shares of each digit's images in train and val; the rest is the held-out test split. */
  readonly trainFraction: number;
  readonly valFraction: number;
  /** Use at most this many digits per class (tiny budgets). */
  readonly limitPerDigit?: number | undefined;
  /** The class id stored for a digit (default: the digit): e.g. a binary finding. */
  readonly label?: ((digit: number) => number) | undefined;
}

export interface TargetData {
  readonly file: string;
  readonly counts: { readonly train: number; readonly val: number; readonly test: number };
  /** Images per stored class id and split. */
  readonly perLabel: Readonly<Record<'train' | 'val' | 'test', Readonly<Record<string, number>>>>;
}

/**
 * Writes the target domain as a MedMNIST-style `.npz` (`{train,val,test}_images` `|u1 [N,28,28]`,
 * `{split}_labels` `|u1 [N,1]`): the digits of the `mnist` package's test split (never seen in
 * pretraining, which uses its train split) acquired by `profile`. Splits are stratified per
 * digit; the seed fixes the split and every pixel.
 */
export async function writeTargetData(o: TargetDataOptions): Promise<TargetData> {
  const { examples } = await loadMnistDigits(
    'test',
    o.limitPerDigit === undefined ? {} : { limitPerDigit: o.limitPerDigit },
  );
  const rng = new Rng(o.seed);
  const byDigit = new Map<number, number[]>();
  for (let i = 0; i < examples.length; i++) {
    const label = (await examples.get(i)).label as number;
    const list = byDigit.get(label) ?? [];
    list.push(i);
    byDigit.set(label, list);
  }
  const splits = { train: [] as number[], val: [] as number[], test: [] as number[] };
  for (const indices of byDigit.values()) {
    rng.shuffle(indices);
    const nTrain = Math.round(indices.length * o.trainFraction);
    const nVal = Math.round(indices.length * o.valFraction);
    splits.train.push(...indices.slice(0, nTrain));
    splits.val.push(...indices.slice(nTrain, nTrain + nVal));
    splits.test.push(...indices.slice(nTrain + nVal));
  }
  const arrays: Record<string, Uint8Array> = {};
  const perLabel = { train: {}, val: {}, test: {} } as Record<keyof typeof splits, Record<string, number>>;
  for (const [name, indices] of Object.entries(splits) as [keyof typeof splits, number[]][]) {
    // Interleave the digits: some tools read a split's first rows as a sample.
    rng.shuffle(indices);
    const images = new Uint8Array(indices.length * SIDE * SIDE);
    const labels = new Uint8Array(indices.length);
    for (const [k, index] of indices.entries()) {
      const example = await examples.get(index);
      if (example.source.kind !== 'pixels') throw new Error('mnist digits are expected in memory');
      images.set(acquire(example.source.image.data, SIDE, SIDE, o.profile, rng), k * SIDE * SIDE);
      const label = o.label ? o.label(example.label as number) : (example.label as number);
      labels[k] = label;
      perLabel[name][label] = (perLabel[name][label] ?? 0) + 1;
    }
    arrays[`${name}_images`] = encodeNpy('|u1', [indices.length, SIDE, SIDE], images);
    arrays[`${name}_labels`] = encodeNpy('|u1', [indices.length, 1], labels);
  }
  await fs.mkdir(path.dirname(o.file), { recursive: true });
  await fs.writeFile(o.file, encodeNpz(arrays));
  return {
    file: o.file,
    counts: { train: splits.train.length, val: splits.val.length, test: splits.test.length },
    perLabel,
  };
}

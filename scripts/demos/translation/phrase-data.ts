import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Rng } from '@peftkit/core';
import type { PhrasePair } from './cldr-phrases.js';

/** Where a domain's splits went and how many pairs each holds. */
export interface PhraseSplits {
  readonly trainFile: string;
  readonly valFile: string;
  readonly testFile: string;
  readonly train: number;
  readonly val: number;
  readonly test: number;
}

export interface SplitOptions {
  readonly dir: string;
  /** File name prefix: `<name>-train.jsonl`, ... */
  readonly name: string;
  readonly trainFraction: number;
  readonly valFraction: number;
  readonly seed: number;
  /** Use at most this many pairs (tiny budgets). */
  readonly limit?: number | undefined;
}

const jsonl = (pairs: readonly PhrasePair[]) => pairs.map((p) => `${JSON.stringify(p)}\n`).join('');

/**
 * Writes `pairs` as `{"source", "target"}` JSONL train / val / test files (what `nlp/jsonl-pairs`
 * reads) after a seeded shuffle, so no phrase is in two splits.
 */
export async function writePhraseSplits(
  pairs: readonly PhrasePair[],
  o: SplitOptions,
): Promise<PhraseSplits> {
  const pool = new Rng(o.seed).shuffle([...pairs]).slice(0, o.limit);
  const nTrain = Math.round(pool.length * o.trainFraction);
  const nVal = Math.round(pool.length * o.valFraction);
  const parts = [
    pool.slice(0, nTrain),
    pool.slice(nTrain, nTrain + nVal),
    pool.slice(nTrain + nVal),
  ] as const;
  await fs.mkdir(o.dir, { recursive: true });
  const [trainFile, valFile, testFile] = ['train', 'val', 'test'].map((s) =>
    path.join(o.dir, `${o.name}-${s}.jsonl`),
  ) as [string, string, string];
  await fs.writeFile(trainFile, jsonl(parts[0]));
  await fs.writeFile(valFile, jsonl(parts[1]));
  await fs.writeFile(testFile, jsonl(parts[2]));
  return {
    trainFile,
    valFile,
    testFile,
    train: parts[0].length,
    val: parts[1].length,
    test: parts[2].length,
  };
}

/**
 * Shared fixtures for the trainer tests: a learnable toy task for the tiny BERT with LoRA.
 * Not exported from the package.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '../../../peft/index.js';
import { getPeftModel, type PeftModel } from '../../../peft/peft-model.js';
import { TinyBert } from '../../../peft/testing/tiny-bert.js';
import { Rng, setSeed } from '../../../runtime/random.js';
import { DataLoader } from '../../data/data-loader.js';
import { arrayDataset } from '../../data/dataset.js';
import { crossEntropy } from '../../losses/cross-entropy.js';
import type { EvalOutput } from '../fit-options.js';

export interface Example {
  ids: number[];
  label: number;
}

export interface Batch {
  ids: tf.Tensor2D;
  labels: tf.Tensor1D;
}

/**
 * Sequences of 4 token ids: three from the label's sixth-of-the-vocabulary band, one random
 * (the tiny model mean-pools, so the task is a bag of tokens).
 */
export function makeExamples(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const label = rng.int(3);
    const ids = [0, 1, 2].map(() => 1 + 6 * label + rng.int(6));
    ids.splice(rng.int(4), 0, 1 + rng.int(18));
    return { ids, label };
  });
}

export const collate = (ex: Example[]): Batch => ({
  ids: tf.tensor2d(
    ex.map((e) => e.ids),
    [ex.length, 4],
    'int32',
  ),
  labels: tf.tensor1d(
    ex.map((e) => e.label),
    'int32',
  ),
});

export function loaders(
  options: { n?: number; batchSize?: number; shuffle?: boolean; evalN?: number; prefetch?: number } = {},
) {
  const train = new DataLoader(arrayDataset(makeExamples(options.n ?? 48, 1), 'toy-train'), {
    batchSize: options.batchSize ?? 8,
    shuffle: options.shuffle ?? true,
    collate,
    prefetch: options.prefetch ?? 1,
  });
  const evalLoader = new DataLoader(arrayDataset(makeExamples(options.evalN ?? 24, 2), 'toy-eval'), {
    batchSize: 12,
    collate,
  });
  return { train, eval: evalLoader };
}

export type TinyPeft = PeftModel<[tf.Tensor], tf.Tensor>;

/** The same model every call (seeded init), as a new process loading the same base would build. */
export function makeModel(options: { loraDropout?: number; initSeed?: number } = {}): TinyPeft {
  setSeed(options.initSeed ?? 0);
  const base = new TinyBert();
  return getPeftModel(
    base,
    {
      peftType: 'LORA',
      r: 2,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
      loraDropout: options.loraDropout ?? 0,
    },
    { warn: () => undefined },
  ) as TinyPeft;
}

export const lossFn = (m: TinyPeft, b: Batch): tf.Scalar =>
  crossEntropy(m.call(b.ids), b.labels) as tf.Scalar;

export const evalStep = (m: TinyPeft, b: Batch): EvalOutput => ({
  predictions: tf.argMax(m.call(b.ids), -1),
  targets: b.labels,
});

/** Trainable parameters as host arrays, by path. */
export function snapshotTrainable(m: TinyPeft): Map<string, Float32Array> {
  return new Map(
    m
      .namedParameters({ trainableOnly: true })
      .map(([p, param]) => [p, param.variable.dataSync().slice() as Float32Array]),
  );
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `peftkit-${prefix}-`));
}

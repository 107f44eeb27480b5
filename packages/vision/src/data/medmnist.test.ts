import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  captureOutput,
  createPeftkit,
  type Dataset,
  encodeNpy,
  encodeNpz,
  npzArrayNames,
  readEvalData,
  readNpz,
  readRunData,
  resolveRunConfig,
  runCli,
} from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visionPlugin } from '../plugin.js';
import { medicalImagingPreset } from '../presets/medical-imaging.js';
import type { ImageExample } from './image-example.js';
import { medMnistReader, medMnistSplits, readMedMnist } from './medmnist.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-medmnist-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** `n` 2x2 images whose first pixel is `first + i`, so each example says where it came from. */
const images = (n: number, first: number) =>
  encodeNpy(
    '|u1',
    [n, 2, 2],
    Array.from({ length: n * 4 }, (_, i) => (i % 4 === 0 ? first + i / 4 : 0)),
  );
const labels = (n: number) =>
  encodeNpy(
    '<i8',
    [n, 1],
    Array.from({ length: n }, (_, i) => i % 2),
  );

/** An archive with the given splits: train pixels start at 0, val at 100, test at 200. */
async function archive(name: string, splits: Record<string, number>): Promise<string> {
  const first: Record<string, number> = { train: 0, val: 100, test: 200 };
  const arrays: Record<string, Uint8Array> = {};
  for (const [s, n] of Object.entries(splits)) {
    arrays[`${s}_images`] = images(n, first[s] ?? 50);
    arrays[`${s}_labels`] = labels(n);
  }
  const file = path.join(dir, name);
  await fs.writeFile(file, encodeNpz(arrays));
  return file;
}

/** The first pixel of every example: which split (and row) each came from. */
async function firstPixels(ds: unknown): Promise<number[]> {
  const d = ds as Dataset<ImageExample>;
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) {
    const e = await d.get(i);
    out.push(e.source.kind === 'pixels' ? (e.source.image.data[0] as number) : -1);
  }
  return out.sort((a, b) => a - b);
}

const defaults = { trainSplit: 'train', evalSplit: 'val' } as const;

describe('vision/medmnist splits', () => {
  it('lists the splits that have images and labels, and names val as the eval split', async () => {
    const file = await archive('full.npz', { test: 2, train: 6, val: 3, extra: 1 });
    // An images array without labels is no split.
    const withStray = path.join(dir, 'stray.npz');
    await fs.writeFile(
      withStray,
      encodeNpz({ train_images: images(1, 0), train_labels: labels(1), aux_images: images(1, 0) }),
    );
    expect(await medMnistSplits(file)).toEqual(['train', 'val', 'test', 'extra']);
    expect(await medMnistSplits(withStray)).toEqual(['train']);
    expect(await medMnistReader.splits?.(file, defaults)).toEqual({
      names: ['train', 'val', 'test', 'extra'],
      eval: 'val',
    });
    expect((await medMnistReader.splits?.(file, { ...defaults, evalSplit: 'test' }))?.eval).toBe('test');
    // No eval split when the archive lacks it, or when it is the training split itself.
    const noVal = await archive('no-val.npz', { train: 6, test: 2 });
    expect((await medMnistReader.splits?.(noVal, defaults))?.eval).toBeUndefined();
    expect(
      (await medMnistReader.splits?.(file, { trainSplit: 'val', evalSplit: 'val' }))?.eval,
    ).toBeUndefined();
  });

  it('reads the split core names in sourceSplit, else trainSplit/evalSplit', async () => {
    const file = await archive('read.npz', { train: 4, val: 3, test: 2 });
    const read = async (split: 'train' | 'eval', sourceSplit?: string) =>
      firstPixels(
        (await medMnistReader.read(file, { options: defaults, labels: ['0', '1'], split, sourceSplit }))
          .dataset,
      );
    expect(await read('train')).toEqual([0, 1, 2, 3]);
    expect(await read('eval')).toEqual([100, 101, 102]);
    expect(await read('eval', 'test')).toEqual([200, 201]);
  });

  it('inflates only the split it reads', async () => {
    // A broken train member must not matter when reading val.
    const file = path.join(dir, 'broken-train.npz');
    await fs.writeFile(
      file,
      encodeNpz({
        train_images: new TextEncoder().encode('not an npy'),
        train_labels: labels(1),
        val_images: images(2, 100),
        val_labels: labels(2),
      }),
    );
    expect(await npzArrayNames(file)).toEqual(['train_images', 'train_labels', 'val_images', 'val_labels']);
    expect([...(await readNpz(file, (a) => a.startsWith('val_'))).keys()]).toEqual([
      'val_images',
      'val_labels',
    ]);
    expect((await readMedMnist(file, 'val')).examples.length).toBe(2);
    await expect(readMedMnist(file, 'train')).rejects.toThrow(`${file}:train_images.npy: not a .npy file`);
    await expect(readMedMnist(file, 'test')).rejects.toThrow(
      `${file}: no 'test_images' array (has: train_images, train_labels, val_images, val_labels)`,
    );
  });
});

describe('vision/medmnist through core', () => {
  const configFor = (train: string) =>
    resolveRunConfig({ preset: medicalImagingPreset, layers: [{ name: 'test', value: { data: { train } } }] })
      .config;

  it('trains on the whole train split and evaluates on val without data.eval', async () => {
    const host = await createPeftkit({ plugins: [visionPlugin] });
    const file = await archive('core.npz', { train: 10, val: 4, test: 2 });
    const data = await readRunData(host, configFor(file));
    expect(await firstPixels(data.train)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await firstPixels(data.eval)).toEqual([100, 101, 102, 103]);
    expect(data.notes).toEqual([
      `eval data: split 'val' of ${file} (its splits: train, val, test; data.eval unset)`,
    ]);
  });

  it('holds out a fraction of train when the archive has no val split', async () => {
    const host = await createPeftkit({ plugins: [visionPlugin] });
    const file = await archive('core-no-val.npz', { train: 10, test: 2 });
    const data = await readRunData(host, configFor(file));
    const held = await firstPixels(data.eval);
    // 10% stratified: each of the two classes (5 rows) gives at least one row.
    expect(held.length).toBe(2);
    expect(held.every((p) => p < 100)).toBe(true);
    expect(data.train.length).toBe(8);
    expect(data.notes[0]).toContain('held out stratified by label (data.evalFraction 0.1)');
  });

  it('evaluates a chosen split, and lists the archive splits for an unknown one', async () => {
    const file = await archive('eval.npz', { train: 4, val: 3, test: 2 });
    const test = await readEvalData(medMnistReader, file, {}, ['0', '1'], 'test');
    expect(await firstPixels(test.dataset)).toEqual([200, 201]);
    await expect(readEvalData(medMnistReader, file, {}, ['0', '1'], 'tset')).rejects.toThrow(
      `${file} has no split 'tset'; its splits: train, val, test`,
    );
  });
});

/** Runs the CLI in-process with the vision plugin only, capturing both streams. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const {
    result: code,
    stdout,
    stderr,
  } = await captureOutput(() => runCli(argv, { plugins: [visionPlugin], discover: false }));
  return { code, stdout, stderr };
}

describe('peftkit train/eval on a MedMNIST archive', () => {
  it('trains scoring val, then evaluates the test split with --split', async () => {
    process.env['PEFTKIT_BACKEND'] = 'cpu';
    const file = path.join(dir, 'cli.npz');
    const pixels = (n: number, seed: number) =>
      encodeNpy(
        '|u1',
        [n, 28, 28],
        Array.from({ length: n * 784 }, (_, i) => (i * 37 + seed * 101) % 256),
      );
    await fs.writeFile(
      file,
      encodeNpz({
        train_images: pixels(16, 1),
        train_labels: labels(16),
        // 20 val images: the preset's early stopping refuses a smaller validation split.
        val_images: pixels(20, 2),
        val_labels: labels(20),
        test_images: pixels(4, 3),
        test_labels: labels(4),
      }),
    );
    const out = path.join(dir, 'cli-run');
    const trained = await cli([
      'train',
      '--preset',
      'vision/medical-imaging',
      '--data',
      file,
      '--out',
      out,
      '--max-steps',
      '2',
      '--set',
      'model.config={hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}',
      '--set',
      'training.batchSize=8',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toContain(`eval data: split 'val' of ${file} (its splits: train, val, test`);

    const evalJson = async (...extra: string[]) => {
      const r = await cli(['eval', '--json', '--adapter', out, '--data', file, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { split: string | null; examples: number };
    };
    expect(await evalJson('--split', 'test')).toMatchObject({ split: 'test', examples: 4 });
    expect(await evalJson()).toMatchObject({ split: null, examples: 20 });
    const unknown = await cli(['eval', '--adapter', out, '--data', file, '--split', 'tset']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`${file} has no split 'tset'; its splits: train, val, test`);
  }, 120_000);
});

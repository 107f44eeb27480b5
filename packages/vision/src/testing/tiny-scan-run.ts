import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@peftkit/core';
import sharp from 'sharp';
import { type SpawnedCliOptions, spawnedCli } from '../../../core/src/cli/testing/spawned-cli.js';
import { SCAN_SIDE, syntheticScans, writeScanNpz } from './synthetic-scans.js';

/** The plugin's package directory, for `--plugin`. */
export const VISION_PACKAGE = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The spawned `peftkit` with only this plugin loaded (`--plugin <vision> --no-discover`). */
export const visionCli = (env: Readonly<Record<string, string>>, options: SpawnedCliOptions = {}) =>
  spawnedCli({ ...options, globalArgs: ['--plugin', VISION_PACKAGE, '--no-discover'], env });

/** The inputs of a tiny `vision/medical-imaging` run, written by `writeTinyScanRun`. */
export interface TinyScanRun {
  /** The MedMNIST-format archive (train and val splits). */
  readonly data: string;
  /** A run config with a 1-layer ViT of width 16 and batches of 8; the rest is the preset's. */
  readonly config: string;
  /** The val split's scans. */
  readonly val: { images: number[]; labels: number[] };
  /** `train --preset vision/medical-imaging --data <npz> --config <tiny> --max-steps <steps> --out <out> --json`. */
  trainArgs(steps: number, out: string): string[];
  /** Val scan `i` as a grey PNG (or JPEG) file at `file`. */
  writeImage(i: number, file: string, format?: 'png' | 'jpeg'): Promise<string>;
}

/**
 * Synthetic scans (`train` of them, and 20 for val: the preset's early stopping refuses a smaller
 * validation split) and a tiny ViT config in `dir`, which keep a run to seconds.
 */
export async function writeTinyScanRun(dir: string, seed: number, train: number): Promise<TinyScanRun> {
  const rng = new Rng(seed);
  const val = syntheticScans(20, rng);
  const data = path.join(dir, 'scans.npz');
  await writeScanNpz(data, { train: syntheticScans(train, rng), val });
  const config = path.join(dir, 'tiny.json');
  await fs.writeFile(
    config,
    JSON.stringify({
      model: {
        config: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
      },
      training: { batchSize: 8 },
    }),
  );
  const trainArgs = (steps: number, out: string) => [
    'train',
    '--preset',
    'vision/medical-imaging',
    '--data',
    data,
    '--config',
    config,
    '--max-steps',
    String(steps),
    '--out',
    out,
    '--json',
  ];
  const writeImage = async (i: number, file: string, format: 'png' | 'jpeg' = 'png') => {
    const pixels = Uint8Array.from(val.images.slice(i * SCAN_SIDE ** 2, (i + 1) * SCAN_SIDE ** 2));
    const image = sharp(pixels, { raw: { width: SCAN_SIDE, height: SCAN_SIDE, channels: 1 } }).toColourspace(
      'b-w',
    );
    await (format === 'png' ? image.png() : image.jpeg({ quality: 90 })).toFile(file);
    return file;
  };
  return { data, config, val, trainArgs, writeImage };
}

/**
 * Tiny synthetic "scans" for tests: 28x28 grey images where the finding (class 1) is a bright
 * centre square and a normal image (class 0) a dark one, with Gaussian noise. Written as a
 * MedMNIST-format `.npz`, so tests go through the real reader. Not exported from the package.
 */
import * as fs from 'node:fs/promises';
import type { Rng } from '@peftkit/core';
import { encodeNpy, encodeNpz } from '@peftkit/core';

export const SCAN_SIDE = 28;

/** `n` images (flat `|u1` pixels, row-major) and labels; every `positiveEvery`-th one is positive. */
export function syntheticScans(
  n: number,
  rng: Rng,
  positiveEvery = 4,
): { images: number[]; labels: number[] } {
  const images: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % positiveEvery === 0 ? 1 : 0;
    labels.push(y);
    for (let r = 0; r < SCAN_SIDE; r++) {
      for (let c = 0; c < SCAN_SIDE; c++) {
        const centre = Math.abs(r - 13.5) < 6 && Math.abs(c - 13.5) < 6;
        images.push(Math.max(0, Math.min(255, Math.round((centre && y ? 200 : 60) + rng.normal(0, 20)))));
      }
    }
  }
  return { images, labels };
}

/** Writes `{split}_images` `|u1 [N,28,28]` and `{split}_labels` `<i8 [N,1]` for every split. */
export async function writeScanNpz(
  file: string,
  splits: Readonly<Record<string, { images: number[]; labels: number[] }>>,
): Promise<void> {
  const arrays: Record<string, Uint8Array> = {};
  for (const [name, { images, labels }] of Object.entries(splits)) {
    arrays[`${name}_images`] = encodeNpy('|u1', [labels.length, SCAN_SIDE, SCAN_SIDE], images);
    arrays[`${name}_labels`] = encodeNpy('<i8', [labels.length, 1], labels);
  }
  await fs.writeFile(file, encodeNpz(arrays));
}

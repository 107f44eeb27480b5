import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/**
 * Test-only helpers for the parity fixtures written by `scripts/fixtures/encoders.py` (tiny
 * random HF-layout checkpoints plus reference inputs/outputs). Not exported from the package.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The fixture directories, one per model. */
export type FixtureName = 'whisper-tiny' | 'wav2vec2-base-tiny' | 'wav2vec2-mms-tiny' | 'hubert-tiny';

export function fixtureDir(name: FixtureName): string {
  return path.join(HERE, 'fixtures', name);
}

/** The reference inputs and outputs of a fixture (`io.safetensors`); the caller disposes them. */
export async function fixtureIo(name: FixtureName): Promise<Map<string, tf.Tensor>> {
  return (await loadSafetensors(path.join(fixtureDir(name), 'io.safetensors'))).tensors;
}

/** Largest |a - b| over two same-shaped tensors (shapes must agree). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join())
    throw new Error(`maxAbsDiff: shapes [${a.shape}] and [${b.shape}] differ`);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

/** Every parameter and buffer of a model as plain arrays, keyed by path (for exact comparisons). */
export function stateValues(model: {
  stateDict(): Map<string, { value: tf.Tensor }>;
}): Map<string, number[]> {
  return new Map([...model.stateDict()].map(([k, p]) => [k, Array.from(p.value.dataSync())]));
}

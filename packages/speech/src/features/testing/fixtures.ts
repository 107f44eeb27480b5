/**
 * Loads the reference fixtures written by `scripts/fixtures/features.py` (base64 float32 arrays
 * with shapes). Not exported from the package.
 */
import { readFileSync } from 'node:fs';

/** A stored float32 array. */
export interface StoredArray {
  shape: number[];
  f32: string;
}

/** Decodes a stored array. */
export function decode(a: StoredArray): Float32Array {
  const bytes = Buffer.from(a.f32, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(4 * i);
  const expected = a.shape.reduce((p, d) => p * d, 1);
  if (out.length !== expected) throw new Error(`fixture array: ${out.length} values for shape ${a.shape}`);
  return out;
}

/** Parses `testing/<name>.json`. */
export function loadFixture<T>(name: 'whisper' | 'kaldi' | 'filters' | 'waveform'): T {
  return JSON.parse(readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8')) as T;
}

/** Largest |a - b| / max(1, |b|); Infinity on a length mismatch or NaN. */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const b = expected[i]!;
    const e = Math.abs(actual[i]! - b) / Math.max(1, Math.abs(b));
    if (Number.isNaN(e)) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, e);
  }
  return worst;
}

/** Largest |a - b|; Infinity on a length mismatch or NaN. */
export function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i]! - expected[i]!);
    if (Number.isNaN(e)) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, e);
  }
  return worst;
}

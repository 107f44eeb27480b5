import type { FeatureMatrix } from './feature-matrix.js';

/** A right-padded batch on the host, ready for `tf.tensor(data, shape)`. */
export interface PaddedBatch {
  /** Row-major values of `shape`. */
  readonly data: Float32Array;
  /** `[batch, time]` for waveforms, `[batch, time, features]` for feature matrices. */
  readonly shape: readonly number[];
  /** Real (unpadded) time steps of each example. */
  readonly lengths: Int32Array;
  /** `[batch, time]`: 1 on real steps, 0 on padding (HF `attention_mask`). */
  readonly attentionMask: Int32Array;
}

/** How `padWaveforms` / `padFeatures` choose the padded length. */
export interface PadOptions {
  /** Value of padded steps (HF `padding_value`), default 0. */
  readonly paddingValue?: number;
  /** Pad to at least this many steps (default: the longest example). Longer examples are not cut. */
  readonly minLength?: number;
  /** Round the padded length up to a multiple of this (HF `pad_to_multiple_of`). */
  readonly multipleOf?: number;
}

function paddedLength(lengths: Int32Array, o: PadOptions): number {
  let len = Math.max(o.minLength ?? 0, ...lengths);
  const k = o.multipleOf ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`pad: multipleOf must be a positive integer, got ${k}`);
  len = Math.ceil(len / k) * k;
  return len;
}

function maskOf(lengths: Int32Array, len: number): Int32Array {
  const mask = new Int32Array(lengths.length * len);
  lengths.forEach((l, b) => {
    mask.fill(1, b * len, b * len + l);
  });
  return mask;
}

/** Right-pads waveforms into one `[batch, time]` batch with an attention mask. */
export function padWaveforms(waveforms: readonly Float32Array[], options: PadOptions = {}): PaddedBatch {
  const lengths = Int32Array.from(waveforms, (w) => w.length);
  const len = paddedLength(lengths, options);
  const data = new Float32Array(waveforms.length * len).fill(options.paddingValue ?? 0);
  waveforms.forEach((w, b) => {
    data.set(w, b * len);
  });
  return { data, shape: [waveforms.length, len], lengths, attentionMask: maskOf(lengths, len) };
}

/** Right-pads `[frames, features]` matrices (same feature count) into one `[batch, time, features]` batch. */
export function padFeatures(matrices: readonly FeatureMatrix[], options: PadOptions = {}): PaddedBatch {
  const f = matrices[0]?.numFeatures ?? 0;
  const bad = matrices.findIndex((m) => m.numFeatures !== f);
  if (bad >= 0)
    throw new Error(`padFeatures: example ${bad} has ${matrices[bad]!.numFeatures} features, expected ${f}`);
  const lengths = Int32Array.from(matrices, (m) => m.numFrames);
  const len = paddedLength(lengths, options);
  const data = new Float32Array(matrices.length * len * f).fill(options.paddingValue ?? 0);
  matrices.forEach((m, b) => {
    data.set(m.data, b * len * f);
  });
  return { data, shape: [matrices.length, len, f], lengths, attentionMask: maskOf(lengths, len) };
}

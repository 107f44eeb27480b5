import type { ModelBatch } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { padCtcTargets } from '../heads/ctc-targets.js';
import type { EncodedTarget } from './speech-target.js';

/** One encoded utterance: model input values (time-major) and its target. */
export interface EncodedSpeech {
  /** `[steps, width]` row-major: log-mel frames, or samples (`width` 1). */
  readonly values: Float32Array;
  readonly steps: number;
  readonly width: number;
  readonly target: EncodedTarget;
}

/**
 * A speech batch: `inputs` is `[values, { attentionMask }]` (log-mel `[B, mels, frames]` or
 * waveform `[B, samples]`, with an int32 `[B, L]` mask over the same time axis), `targets` int32
 * class ids `[B]` or CTC ids `[B, U]` padded with -100.
 */
export type SpeechBatch = ModelBatch;

/** The targets of a batch: all class ids, all CTC rows, or none (prediction). */
export function collateTargets(targets: readonly EncodedTarget[]): tf.Tensor | undefined {
  if (targets.every((t) => t === undefined)) return undefined;
  if (targets.every((t) => t?.kind === 'class')) {
    return tf.tensor1d(
      targets.map((t) => (t as { id: number }).id),
      'int32',
    );
  }
  if (targets.every((t) => t?.kind === 'ctc'))
    return padCtcTargets(targets.map((t) => (t as { ids: readonly number[] }).ids));
  throw new Error(
    'speech batch: examples mix class labels, transcripts and unlabelled clips; set preprocess.options.target',
  );
}

/** Right-padded lengths to an int32 `[B, L]` 0/1 mask. */
export function maskOf(lengths: readonly number[], length: number): Int32Array {
  const mask = new Int32Array(lengths.length * length);
  lengths.forEach((l, b) => {
    mask.fill(1, b * length, b * length + l);
  });
  return mask;
}

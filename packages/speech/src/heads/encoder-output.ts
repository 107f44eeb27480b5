import type { AnyModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { SpeechEncoderOutput } from '../models/common/encoder-output.js';
import { lengthMask } from '../models/common/lengths.js';

/**
 * What the heads accept from a base: a speech encoder's full output, or, from a third-party base,
 * `lastHiddenState` with either `outputLengths` or `attentionMask` (or neither: every frame valid).
 */
export type EncoderOutputLike = Pick<SpeechEncoderOutput, 'lastHiddenState'> &
  Partial<Pick<SpeechEncoderOutput, 'attentionMask' | 'outputLengths'>>;

/** Frame features with a float `[B, T]` validity mask (undefined: every frame valid). */
export interface EncoderFrames {
  readonly hidden: tf.Tensor;
  readonly mask: tf.Tensor | undefined;
}

/**
 * The frames of an encoder output, or an error naming the caller and what came instead. Accepts
 * what speech encoders return (`SpeechEncoderOutput`), or from third-party bases any object with
 * `lastHiddenState` and one of `outputLengths` / `attentionMask` (valid frames after
 * downsampling), or a bare `[B, T, D]` tensor (every frame valid).
 */
export function encoderFrames(out: unknown, caller: string): EncoderFrames {
  if (out instanceof tf.Tensor) return { hidden: checkHidden(out, caller), mask: undefined };
  const o = out as Partial<EncoderOutputLike> | undefined;
  if (!o || !(o.lastHiddenState instanceof tf.Tensor)) {
    throw new Error(
      `${caller}: the base must return [B, T, D] features or { lastHiddenState, outputLengths?, attentionMask? }, ` +
        `got ${describe(out)}`,
    );
  }
  const hidden = checkHidden(o.lastHiddenState, caller);
  const [b, t] = hidden.shape as [number, number, number];
  if (o.attentionMask instanceof tf.Tensor) {
    if (o.attentionMask.rank !== 2 || o.attentionMask.shape[0] !== b || o.attentionMask.shape[1] !== t) {
      throw new Error(`${caller}: attentionMask must be [${b}, ${t}], got [${o.attentionMask.shape}]`);
    }
    return { hidden, mask: tf.cast(o.attentionMask, 'float32') };
  }
  if (o.outputLengths instanceof tf.Tensor) {
    if (o.outputLengths.rank !== 1 || o.outputLengths.shape[0] !== b) {
      throw new Error(`${caller}: outputLengths must be [${b}], got [${o.outputLengths.shape}]`);
    }
    return { hidden, mask: lengthMask(o.outputLengths, t) };
  }
  return { hidden, mask: undefined };
}

/** int32 `[B]` valid frames of a mask (all `T` without one). */
export function frameLengths(frames: EncoderFrames): tf.Tensor {
  const [b, t] = frames.hidden.shape as [number, number, number];
  return frames.mask ? tf.cast(tf.round(tf.sum(frames.mask, 1)), 'int32') : tf.fill([b], t, 'int32');
}

/**
 * HF's child name of the base in task models (`base_model_prefix`): the base module's own
 * `baseModelPrefix` when it declares one, else the HF name for its `model_type` or architecture
 * id, else the last segment of the architecture id (`speech/conformer` -> `conformer`).
 */
export function basePrefixOf(base: AnyModule, architecture: string, baseConfig: unknown): string {
  const declared = (base as { baseModelPrefix?: unknown }).baseModelPrefix;
  if (typeof declared === 'string' && declared) return declared;
  const modelType = (baseConfig as { model_type?: unknown } | undefined)?.model_type;
  const last = architecture.slice(architecture.lastIndexOf('/') + 1);
  for (const key of [modelType, last]) {
    if (typeof key === 'string' && Object.hasOwn(HF_BASE_PREFIXES, key))
      return HF_BASE_PREFIXES[key] as string;
  }
  return last.replace(/[^A-Za-z0-9_]/g, '_') || 'encoder';
}

/** `model_type` -> `base_model_prefix` of the HF audio families (Whisper's classifier wraps `encoder`). */
const HF_BASE_PREFIXES: Readonly<Record<string, string>> = {
  wav2vec2: 'wav2vec2',
  'wav2vec2-conformer': 'wav2vec2_conformer',
  hubert: 'hubert',
  wavlm: 'wavlm',
  'data2vec-audio': 'data2vec_audio',
  unispeech: 'unispeech',
  'unispeech-sat': 'unispeech_sat',
  sew: 'sew',
  'sew-d': 'sew_d',
  whisper: 'encoder',
};

/** The features of the base, or an error naming the head. */
export function featureWidth(features: number | undefined, baseConfig: unknown, caller: string): number {
  if (features !== undefined) return features;
  const c = baseConfig as { hidden_size?: unknown; d_model?: unknown } | undefined;
  const guess = c?.hidden_size ?? c?.d_model;
  if (typeof guess === 'number' && Number.isInteger(guess) && guess > 0) return guess;
  throw new Error(
    `${caller}: the architecture declares no output features (outputFeatures) and its config has no hidden_size or d_model`,
  );
}

function checkHidden(t: tf.Tensor, caller: string): tf.Tensor {
  if (t.rank !== 3) throw new Error(`${caller}: the base's features must be [B, T, D], got [${t.shape}]`);
  return t;
}

function describe(x: unknown): string {
  if (x instanceof tf.Tensor) return `a tensor [${x.shape}]`;
  if (x && typeof x === 'object') return `an object with ${Object.keys(x).join(', ') || 'no fields'}`;
  return String(x);
}

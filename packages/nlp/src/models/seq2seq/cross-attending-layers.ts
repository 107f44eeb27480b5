import { additivePaddingMask, prependVirtualTokens } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { LayerKv } from '../gpt2/attention.js';
import type { Seq2SeqCache } from './seq2seq-cache.js';
import type { Seq2SeqDecodeInputs } from './seq2seq-lm.js';

/** What an encoder or decoder layer (T5 `block.N`, BART `layers.N`) takes besides its input. */
export interface CrossAttendingCall {
  /** Additive self-attention bias: positions (T5), causal and padding masks. */
  selfBias?: tf.Tensor | undefined;
  selfPast?: LayerKv | undefined;
  /** Decoder: the encoder output (when `crossPast` is absent) and its additive mask. */
  source?: tf.Tensor | undefined;
  crossPast?: LayerKv | undefined;
  crossBias?: tf.Tensor | undefined;
}

/** A layer's new hidden states and (decoder) the keys/values to cache. */
export type CrossAttendingOutput = { output: tf.Tensor; self: LayerKv; cross: LayerKv | undefined };

/** A layer of an encoder-decoder stack, as {@link runCrossAttendingLayers} drives it. */
export interface CrossAttendingLayer {
  forward(x: tf.Tensor, call: CrossAttendingCall): CrossAttendingOutput;
}

/**
 * `selfBias` plus the additive form of the stack's own padding mask `[B, past + T]`; throws,
 * naming `caller`, when the mask does not cover the cached and the new positions.
 */
export function withPaddingBias(
  selfBias: tf.Tensor | undefined,
  attentionMask: tf.Tensor | undefined,
  past: number,
  t: number,
  caller: string,
): tf.Tensor | undefined {
  if (!attentionMask) return selfBias;
  const m = additivePaddingMask(attentionMask, caller);
  if (m.shape[3] !== past + t) {
    throw new Error(
      `${caller}: attentionMask must cover ${past + t} positions (past + new), got [${attentionMask.shape}]`,
    );
  }
  return selfBias ? tf.add(selfBias, m) : m;
}

/**
 * The source mask `[B, S]` widened to the encoder output: prompt tuning puts virtual tokens in
 * front of the encoder input, so the encoder output (or its cached keys/values) is longer than the
 * caller's mask by their count; they are always visible (ones in front, as HF PEFT extends the
 * mask).
 */
function withVirtualSourceTokens(inputs: Seq2SeqDecodeInputs, caller: string): tf.Tensor {
  const mask = inputs.encoderMask as tf.Tensor;
  const source = inputs.encoderHidden?.shape[1] ?? inputs.cache?.cross[0]?.key.shape[2];
  const given = mask.shape[1] as number;
  if (source === undefined || source === given) return mask;
  if (source < given) {
    throw new Error(`${caller}: encoderMask covers ${given} positions, the encoder output has ${source}`);
  }
  return prependVirtualTokens(mask, source - given, 1);
}

/**
 * Runs `layers` over `h` the way both encoder-decoder families do: every layer gets the same
 * self-attention bias and source mask, its own cached keys/values, and (decoder) returns the
 * keys/values to cache. Throws, naming `caller`, when a decoder has neither the encoder output
 * nor a cache holding its keys/values.
 */
export function runCrossAttendingLayers(
  layers: readonly CrossAttendingLayer[],
  h: tf.Tensor,
  inputs: Seq2SeqDecodeInputs,
  o: { readonly isDecoder: boolean; readonly selfBias: tf.Tensor | undefined; readonly caller: string },
): { hidden: tf.Tensor; cache: Seq2SeqCache } {
  if (o.isDecoder && !inputs.encoderHidden && !inputs.cache) {
    throw new Error(
      `${o.caller}: the decoder needs encoderHidden or a cache holding the encoder keys/values`,
    );
  }
  const crossBias = inputs.encoderMask
    ? additivePaddingMask(withVirtualSourceTokens(inputs, o.caller), o.caller)
    : undefined;
  const self: LayerKv[] = [];
  const cross: LayerKv[] = [];
  let hidden = h;
  layers.forEach((layer, i) => {
    const out = layer.forward(hidden, {
      selfBias: o.selfBias,
      selfPast: inputs.cache?.self[i],
      source: inputs.encoderHidden,
      crossPast: inputs.cache?.cross[i],
      crossBias,
    });
    hidden = out.output;
    if (o.isDecoder && out.cross) {
      self.push(out.self);
      cross.push(out.cross);
    }
  });
  return { hidden, cache: { self, cross } };
}

import {
  type AttentionPrefix,
  attendHeads,
  mergeHeads,
  type PrefixHook,
  splitHeads,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { LayerKv } from '../gpt2/attention.js';

/** What an encoder-decoder attention call attends to besides its queries. */
export interface CachedAttentionCall {
  /** Self-attention (causal or not, masks come in `bias`) or cross-attention over `source`. */
  kind: 'self' | 'cross';
  /**
   * Cross-attention source `[B, S, E]` (the encoder output). Undefined for self-attention, and
   * for cross-attention when `past` already holds the source's keys/values.
   */
  source?: tf.Tensor | undefined;
  /** Self-attention: keys/values of earlier positions; cross-attention: the source's keys/values. */
  past?: LayerKv | undefined;
  /** Additive bias broadcastable to `[B, H, Tq, S]`: masks (and T5's relative position bias). */
  bias?: tf.Tensor | undefined;
  /**
   * Self-attention without `past`: prefix-tuning keys/values `[B, P, H * D]` put in front of the
   * new ones and returned with them, so the prefix enters the cache once (HF feeds prefixes as
   * the decoder's first cached positions). Masks and positions must already count the `P`.
   */
  prefix?: AttentionPrefix | undefined;
  /** Applied to the attention probabilities (dropout). */
  dropout?: ((probs: tf.Tensor) => tf.Tensor) | undefined;
}

/** The projections of one attention, as modules. */
export interface AttentionProjections {
  q: UnaryModule;
  k: UnaryModule;
  v: UnaryModule;
  o: UnaryModule;
}

/**
 * Multi-head attention of an encoder-decoder layer with a key/value cache: self-attention appends
 * the new positions' keys/values to `past`; cross-attention projects `source` once (or reuses
 * `past`). Returns the output projection and the keys/values to cache, `[B, H, S, D]`.
 */
export function cachedAttention(
  hidden: tf.Tensor,
  proj: AttentionProjections,
  numHeads: number,
  scale: number,
  call: CachedAttentionCall,
): { output: tf.Tensor; kv: LayerKv } {
  const q = splitHeads(proj.q.forward(hidden), numHeads);
  let kv: LayerKv;
  if (call.kind === 'cross' && call.source) {
    kv = {
      key: splitHeads(proj.k.forward(call.source), numHeads),
      value: splitHeads(proj.v.forward(call.source), numHeads),
    };
  } else if (call.kind === 'cross') {
    if (!call.past)
      throw new Error('cachedAttention: cross-attention needs a source or its cached keys/values');
    // A new handle on the same data: the caller disposes each step's cache whole.
    kv = { key: call.past.key.clone(), value: call.past.value.clone() };
  } else {
    const k = splitHeads(proj.k.forward(hidden), numHeads);
    const v = splitHeads(proj.v.forward(hidden), numHeads);
    const front =
      call.past ??
      (call.prefix && {
        key: splitHeads(call.prefix.key, numHeads),
        value: splitHeads(call.prefix.value, numHeads),
      });
    kv = front
      ? { key: tf.concat([front.key, k], 2), value: tf.concat([front.value, v], 2) }
      : { key: k, value: v };
  }
  const qs = scale === 1 ? q : tf.mul(q, scale);
  const ctx = attendHeads(qs, tf.transpose(kv.key, [0, 1, 3, 2]), kv.value, {
    mask: call.bias,
    dropout: call.dropout,
  });
  return { output: proj.o.forward(mergeHeads(ctx)), kv };
}

/**
 * The prefix a self-attention of an encoder-decoder puts in front of its keys/values on this
 * call: only on the decoder's first call (no cache; later calls find it in the cache), and only
 * when prefix tuning set a provider. Prefix tuning on encoder-decoders adapts the decoder
 * self-attentions, as HF PEFT does, so a provider on an encoder or cross-attention is refused.
 */
export function selfAttentionPrefix(
  hook: PrefixHook,
  o: { batch: number; width: number; isDecoder: boolean; call: CachedAttentionCall; caller: string },
): AttentionPrefix | undefined {
  if (!hook.current) return undefined;
  if (!o.isDecoder || o.call.kind !== 'self') {
    throw new Error(
      `${o.caller}: prefix tuning on encoder-decoders adapts the decoder self-attentions only (as HF PEFT); ` +
        'target the placement role `attention`, not encoder or cross-attention modules',
    );
  }
  return o.call.past ? undefined : hook.fetch(o.batch, o.width, o.caller);
}

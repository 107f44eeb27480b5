import {
  causalMask,
  dropout,
  LayerNorm,
  Module,
  ModuleList,
  prependVirtualTokens,
  type UnaryModule,
  withoutVirtualTokens,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { runCrossAttendingLayers, withPaddingBias } from '../seq2seq/cross-attending-layers.js';
import { decoderPrefixLength, virtualTokenCount, withPrefixPositions } from '../seq2seq/prefix-positions.js';
import { type Seq2SeqCache, seq2seqCacheLength } from '../seq2seq/seq2seq-cache.js';
import type { Seq2SeqDecodeInputs } from '../seq2seq/seq2seq-lm.js';
import type { BartConfig } from './config.js';
import { BartLayer } from './layers.js';
import { LearnedPositions, marianSinusoidalPositions } from './positions.js';

/**
 * `model.encoder` / `model.decoder` of BART and Marian: the shared `embed_tokens` (not owned
 * here) times `sqrt(d_model)` when `scale_embedding`, plus positions (BART: learned
 * `embed_positions` with offset 2; Marian: sinusoidal, not stored), BART's `layernorm_embedding`,
 * dropout, then `layers.N`.
 */
export class BartStack extends Module<
  [tf.Tensor, Seq2SeqDecodeInputs?],
  { hidden: tf.Tensor; cache: Seq2SeqCache }
> {
  readonly isDecoder: boolean;
  private readonly embed: () => UnaryModule;
  private readonly config: BartConfig;
  private readonly embedScale: number;

  /** `embed` returns the current `model.shared` (looked up per call, see `T5Stack`). */
  constructor(config: BartConfig, isDecoder: boolean, embed: () => UnaryModule) {
    super();
    this.config = config;
    this.isDecoder = isDecoder;
    this.embed = embed;
    this.embedScale = config.scale_embedding ? Math.sqrt(config.d_model) : 1;
    if (config.model_type === 'bart') {
      this.registerModule(
        'embed_positions',
        new LearnedPositions(config.max_position_embeddings, config.d_model),
      );
    }
    const n = isDecoder ? config.decoder_layers : config.encoder_layers;
    this.registerModule(
      'layers',
      new ModuleList(Array.from({ length: n }, () => new BartLayer(config, isDecoder))),
    );
    if (config.model_type === 'bart')
      this.registerModule('layernorm_embedding', new LayerNorm(config.d_model));
  }

  forward(inputIds: tf.Tensor, inputs: Seq2SeqDecodeInputs = {}): { hidden: tf.Tensor; cache: Seq2SeqCache } {
    const caller = this.isDecoder ? 'BartStack(decoder).forward' : 'BartStack(encoder).forward';
    if (inputIds.rank !== 2) throw new Error(`${caller}: inputIds must be [B, T], got [${inputIds.shape}]`);
    const layers = [...this.child<ModuleList<BartLayer>>('layers')];
    // Prefix tuning: the decoder's first call puts the prefix in front of its own positions (as
    // HF's past_key_values, so positions and the causal mask start after it); later calls find it
    // in the cache.
    const prefix =
      this.isDecoder && !inputs.cache
        ? decoderPrefixLength(
            layers.map((l) => l.getSubmodule('self_attn')),
            caller,
          )
        : 0;
    const past = seq2seqCacheLength(inputs.cache) + prefix;
    // The decoder never sees prompt tuning's virtual tokens. The encoder's embedding returns them
    // in front of the tokens: HF PEFT concatenates them to the token embeddings of the backbone's
    // `shared` and hands the encoder inputs_embeds, to which it gives every position, virtual ones
    // first, a position embedding. BART's `shared` scales the tokens itself; MarianEncoder scales
    // only ids it embeds itself, so with a prompt Marian's tokens reach it unscaled.
    const embed = this.isDecoder ? withoutVirtualTokens(this.embed()) : this.embed();
    let h = (embed as UnaryModule).forward(inputIds);
    const virtual = virtualTokenCount(h, inputIds.shape[1] as number, caller);
    const t = h.shape[1] as number;
    const scaled = this.config.model_type === 'bart' || virtual === 0;
    if (this.embedScale !== 1 && scaled) h = scaleTokens(h, virtual, this.embedScale);
    if (this.config.model_type === 'bart') {
      h = tf.add(h, this.child<LearnedPositions>('embed_positions').positions(past, t));
      h = this.child<UnaryModule>('layernorm_embedding').forward(h);
    } else {
      if (past + t > this.config.max_position_embeddings) {
        throw new Error(
          `${caller}: ${past + t} positions exceed max_position_embeddings ${this.config.max_position_embeddings}`,
        );
      }
      h = tf.add(h, marianSinusoidalPositions(past, t, this.config.d_model));
    }
    h = dropout(h, this.config.dropout, this.training);
    const mask =
      virtual > 0 && inputs.attentionMask
        ? prependVirtualTokens(inputs.attentionMask, virtual, 1)
        : withPrefixPositions(inputs.attentionMask, prefix);
    const selfBias = withPaddingBias(this.isDecoder ? causalMask(t, past) : undefined, mask, past, t, caller);
    return runCrossAttendingLayers(layers, h, inputs, { isDecoder: this.isDecoder, selfBias, caller });
  }
}

/**
 * `h` `[B, V + T, E]` with the token embeddings (after the `virtual` prompt rows) times `scale`:
 * HF scales the token embeddings inside `embed_tokens`, and PEFT's prompt is not scaled.
 */
function scaleTokens(h: tf.Tensor, virtual: number, scale: number): tf.Tensor {
  if (virtual === 0) return tf.mul(h, scale);
  const [b, n, e] = h.shape as [number, number, number];
  return tf.concat(
    [
      tf.slice(h, [0, 0, 0], [b, virtual, e]),
      tf.mul(tf.slice(h, [0, virtual, 0], [b, n - virtual, e]), scale),
    ],
    1,
  );
}

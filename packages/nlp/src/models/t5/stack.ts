import {
  type AnyModule,
  causalMask,
  Dropout,
  Module,
  ModuleList,
  prependVirtualTokens,
  RMSNorm,
  type UnaryModule,
  withoutVirtualTokens,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { LayerKv } from '../gpt2/attention.js';
import {
  type CrossAttendingCall,
  type CrossAttendingOutput,
  runCrossAttendingLayers,
  withPaddingBias,
} from '../seq2seq/cross-attending-layers.js';
import { decoderPrefixLength, virtualTokenCount, withPrefixPositions } from '../seq2seq/prefix-positions.js';
import { type Seq2SeqCache, seq2seqCacheLength } from '../seq2seq/seq2seq-cache.js';
import type { T5Config } from './config.js';
import { T5LayerAttention, T5LayerFF } from './layers.js';

/** What a block needs besides its input (the stack computes the biases once for all blocks). */
export type T5BlockCall = CrossAttendingCall;

/** A block's output and (decoder) the keys/values to cache. */
export type T5BlockOutput = CrossAttendingOutput;

/** One `block.N`: `layer.0` self-attention, (decoder) `layer.1` cross-attention, then the feed-forward. */
export class T5Block extends Module<[tf.Tensor, T5BlockCall], T5BlockOutput> {
  readonly isDecoder: boolean;

  constructor(config: T5Config, isDecoder: boolean, index: number) {
    super();
    this.isDecoder = isDecoder;
    const layers: AnyModule[] = [
      new T5LayerAttention(config, 'self', { isDecoder, relativeBias: index === 0 }),
    ];
    if (isDecoder) layers.push(new T5LayerAttention(config, 'cross', { isDecoder, relativeBias: false }));
    layers.push(new T5LayerFF(config));
    this.registerModule('layer', new ModuleList(layers));
  }

  layerAt<M extends AnyModule>(i: number): M {
    return this.child<ModuleList>('layer').at(i) as M;
  }

  forward(x: tf.Tensor, call: T5BlockCall): T5BlockOutput {
    const a = this.layerAt<T5LayerAttention>(0).forward(x, {
      kind: 'self',
      past: call.selfPast,
      bias: call.selfBias,
    });
    let h = a.output;
    let cross: LayerKv | undefined;
    if (this.isDecoder) {
      const c = this.layerAt<T5LayerAttention>(1).forward(h, {
        kind: 'cross',
        source: call.crossPast ? undefined : call.source,
        past: call.crossPast,
        bias: call.crossBias,
      });
      h = c.output;
      cross = c.kv;
    }
    return { output: this.layerAt<T5LayerFF>(this.isDecoder ? 2 : 1).forward(h), self: a.kv, cross };
  }
}

/** Inputs of one `T5Stack` call. */
export interface T5StackInputs {
  /** `[B, T]` 1 = token, 0 = padding (the decoder's covers cached positions too). */
  attentionMask?: tf.Tensor | undefined;
  /** Decoder: the encoder output `[B, S, d_model]` (unless `cache` holds its keys/values). */
  encoderHidden?: tf.Tensor | undefined;
  /** Decoder: the encoder's padding mask `[B, S]`. */
  encoderMask?: tf.Tensor | undefined;
  /** Decoder: keys/values of earlier positions and of the encoder output. */
  cache?: Seq2SeqCache | undefined;
}

/**
 * `encoder` / `decoder` of T5 (HF `T5Stack`): the shared embedding (`shared`, not owned here),
 * dropout, `block.N`, `final_layer_norm`, dropout. Block 0's self-attention computes the
 * relative position bias once for all blocks, as HF does.
 */
export class T5Stack extends Module<[tf.Tensor, T5StackInputs?], { hidden: tf.Tensor; cache: Seq2SeqCache }> {
  readonly isDecoder: boolean;
  private readonly embed: () => UnaryModule;

  /**
   * `embed` returns the model's current `shared` module: looked up on every call, so an adapter
   * that wraps `shared` (LoRA on the `embed` role) is used by both stacks, as HF's tie does.
   */
  constructor(config: T5Config, isDecoder: boolean, embed: () => UnaryModule) {
    super();
    this.isDecoder = isDecoder;
    this.embed = embed;
    const n = isDecoder ? (config.num_decoder_layers ?? config.num_layers) : config.num_layers;
    this.registerModule(
      'block',
      new ModuleList(Array.from({ length: n }, (_, i) => new T5Block(config, isDecoder, i))),
    );
    this.registerModule('final_layer_norm', new RMSNorm(config.d_model, { eps: config.layer_norm_epsilon }));
    this.registerModule('dropout', new Dropout(config.dropout_rate));
  }

  forward(inputIds: tf.Tensor, inputs: T5StackInputs = {}): { hidden: tf.Tensor; cache: Seq2SeqCache } {
    const caller = this.isDecoder ? 'T5Stack(decoder).forward' : 'T5Stack(encoder).forward';
    if (inputIds.rank !== 2) throw new Error(`${caller}: inputIds must be [B, T], got [${inputIds.shape}]`);
    const blocks = [...this.child<ModuleList<T5Block>>('block')];
    // Prefix tuning: the decoder's first call puts the prefix in front of its own positions (as
    // HF's past_key_values); later calls find it in the cache.
    const prefix = inputs.cache
      ? 0
      : this.isDecoder
        ? decoderPrefixLength(
            blocks.map((b) => b.layerAt<T5LayerAttention>(0).attentionModule),
            caller,
          )
        : 0;
    const past = seq2seqCacheLength(inputs.cache) + prefix;
    const drop = this.child<UnaryModule>('dropout');
    // The decoder never sees prompt tuning's virtual tokens; the encoder's embedding returns them
    // in front of the tokens, and every position after counts them.
    const embed = this.isDecoder ? withoutVirtualTokens(this.embed()) : this.embed();
    const embedded = (embed as UnaryModule).forward(inputIds);
    const virtual = virtualTokenCount(embedded, inputIds.shape[1] as number, caller);
    const t = embedded.shape[1] as number;
    const h = drop.forward(embedded);
    const first = blocks[0]?.layerAt<T5LayerAttention>(0).attention;
    // The relative position bias covers the prefix keys too (HF computes it over past + new).
    let selfBias = first ? first.positionBias(t, past) : undefined;
    if (this.isDecoder) selfBias = selfBias ? tf.add(selfBias, causalMask(t, past)) : causalMask(t, past);
    const mask =
      virtual > 0 && inputs.attentionMask
        ? prependVirtualTokens(inputs.attentionMask, virtual, 1)
        : withPrefixPositions(inputs.attentionMask, prefix);
    selfBias = withPaddingBias(selfBias, mask, past, t, caller);
    const out = runCrossAttendingLayers(blocks, h, inputs, { isDecoder: this.isDecoder, selfBias, caller });
    const hidden = drop.forward(this.child<UnaryModule>('final_layer_norm').forward(out.hidden));
    return { hidden, cache: out.cache };
  }
}

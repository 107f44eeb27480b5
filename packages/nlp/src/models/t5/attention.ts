import { dropout, Embedding, Linear, PrefixTunableAttention, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { LayerKv } from '../gpt2/attention.js';
import {
  type CachedAttentionCall,
  cachedAttention,
  selfAttentionPrefix,
} from '../seq2seq/cached-attention.js';
import type { T5Config } from './config.js';
import { relativeBucketGrid } from './relative-position.js';

/**
 * `SelfAttention` / `EncDecAttention` of a T5 layer: bias-free `q`, `k`, `v`, `o` over
 * `num_heads * d_kv` and no score scaling (T5 folds it into the initialisation). The first
 * layer of each stack owns `relative_attention_bias` (`[num_buckets, num_heads]`), whose bias
 * the stack computes once (`positionBias`) and shares with every layer. A prefix-tuning host:
 * a self-attention called without a cache puts the prefix in front of its keys/values (the
 * decoder's, where HF PEFT puts it; the stack offsets positions and masks by its length).
 */
export class T5Attention extends PrefixTunableAttention<
  [tf.Tensor, CachedAttentionCall],
  { output: tf.Tensor; kv: LayerKv }
> {
  readonly numHeads: number;
  readonly innerDim: number;
  /** `num_heads * d_kv`: the width of keys/values, so a prefix's `token_dim`. */
  readonly embedDim: number;
  private readonly isDecoder: boolean;
  private readonly numBuckets: number;
  private readonly maxDistance: number;
  private readonly hasRelativeBias: boolean;
  private readonly dropoutRate: number;

  constructor(config: T5Config, options: { isDecoder: boolean; relativeBias: boolean }) {
    super();
    this.numHeads = config.num_heads;
    this.innerDim = config.num_heads * config.d_kv;
    this.embedDim = this.innerDim;
    this.isDecoder = options.isDecoder;
    this.numBuckets = config.relative_attention_num_buckets;
    this.maxDistance = config.relative_attention_max_distance;
    const noBias = { bias: false };
    this.registerModule('q', new Linear(config.d_model, this.innerDim, noBias));
    this.registerModule('k', new Linear(config.d_model, this.innerDim, noBias));
    this.registerModule('v', new Linear(config.d_model, this.innerDim, noBias));
    this.registerModule('o', new Linear(this.innerDim, config.d_model, noBias));
    this.hasRelativeBias = options.relativeBias;
    this.dropoutRate = config.dropout_rate;
    if (options.relativeBias) {
      this.registerModule('relative_attention_bias', new Embedding(this.numBuckets, config.num_heads));
    }
  }

  /**
   * The relative position bias `[1, H, Tq, S]` for queries at `past .. past + Tq - 1` over keys
   * `0 .. past + Tq - 1` (only on the layer that owns `relative_attention_bias`).
   */
  positionBias(queries: number, past: number): tf.Tensor {
    if (!this.hasRelativeBias)
      throw new Error('T5Attention.positionBias: this layer has no relative_attention_bias');
    const table = this.child<UnaryModule>('relative_attention_bias');
    const grid = relativeBucketGrid(
      past,
      queries,
      past + queries,
      !this.isDecoder,
      this.numBuckets,
      this.maxDistance,
    );
    // [Tq, S, H] -> [1, H, Tq, S]
    return tf.expandDims(tf.transpose(table.forward(grid), [2, 0, 1]), 0);
  }

  forward(hidden: tf.Tensor, call: CachedAttentionCall): { output: tf.Tensor; kv: LayerKv } {
    const proj = {
      q: this.child<UnaryModule>('q'),
      k: this.child<UnaryModule>('k'),
      v: this.child<UnaryModule>('v'),
      o: this.child<UnaryModule>('o'),
    };
    const prefix = selfAttentionPrefix(this.prefixHook, {
      batch: hidden.shape[0] as number,
      width: this.innerDim,
      isDecoder: this.isDecoder,
      call,
      caller: 'T5Attention.forward',
    });
    return cachedAttention(hidden, proj, this.numHeads, 1, {
      ...call,
      prefix,
      // Functional, as HF's T5Attention (no dropout module in its tree).
      dropout: (p) => dropout(p, this.dropoutRate, this.training),
    });
  }
}

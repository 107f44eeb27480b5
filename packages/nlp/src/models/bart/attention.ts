import { dropout, Linear, PrefixTunableAttention, type UnaryModule } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import type { LayerKv } from '../gpt2/attention.js';
import {
  type CachedAttentionCall,
  cachedAttention,
  selfAttentionPrefix,
} from '../seq2seq/cached-attention.js';

/**
 * `self_attn` / `encoder_attn` of BART and Marian (HF `BartAttention`): `q_proj`, `k_proj`,
 * `v_proj`, `out_proj` with biases, queries scaled by `head_dim^-0.5`.
 */
export class BartAttention extends PrefixTunableAttention<
  [tf.Tensor, CachedAttentionCall],
  { output: tf.Tensor; kv: LayerKv }
> {
  readonly numHeads: number;
  readonly embedDim: number;
  private readonly scale: number;
  private readonly dropoutRate: number;
  private readonly isDecoder: boolean;

  constructor(embedDim: number, numHeads: number, attentionDropout: number, isDecoder = false) {
    super();
    this.isDecoder = isDecoder;
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.scale = (embedDim / numHeads) ** -0.5;
    this.dropoutRate = attentionDropout;
    for (const name of ['k_proj', 'v_proj', 'q_proj', 'out_proj'])
      this.registerModule(name, new Linear(embedDim, embedDim));
  }

  forward(hidden: tf.Tensor, call: CachedAttentionCall): { output: tf.Tensor; kv: LayerKv } {
    const proj = {
      q: this.child<UnaryModule>('q_proj'),
      k: this.child<UnaryModule>('k_proj'),
      v: this.child<UnaryModule>('v_proj'),
      o: this.child<UnaryModule>('out_proj'),
    };
    const prefix = selfAttentionPrefix(this.prefixHook, {
      batch: hidden.shape[0] as number,
      width: this.embedDim,
      isDecoder: this.isDecoder,
      call,
      caller: 'BartAttention.forward',
    });
    return cachedAttention(hidden, proj, this.numHeads, this.scale, {
      ...call,
      prefix,
      dropout: (p) => dropout(p, this.dropoutRate, this.training),
    });
  }
}

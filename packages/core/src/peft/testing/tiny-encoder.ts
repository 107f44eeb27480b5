import * as tf from '@tensorflow/tfjs';
import {
  Embedding,
  type EncoderCallOptions,
  Linear,
  Module,
  TransformerEncoder,
  TransformerEncoderLayer,
} from '../../nn/index.js';
import type { PromptAware } from '../method.js';
import { definePlacement } from '../placement.js';

export interface TinyEncoderCall {
  /** `[B, T]` padding mask, 1 = token, 0 = padding. */
  attentionMask?: tf.Tensor;
}

type Inputs = [tf.Tensor, TinyEncoderCall?];

/**
 * Test model for prompt/prefix tuning: an embedding, two PyTorch-style encoder layers (whose
 * `self_attn` is a `MultiHeadAttention` with the prefix hook) and a classifier on the masked
 * mean of the sequence. It implements `PromptAware`: virtual tokens prepended to the embedding
 * output are real positions, so the padding mask gets ones in front.
 */
export class TinyEncoder extends Module<Inputs, tf.Tensor> implements PromptAware<Inputs> {
  constructor(readonly dims = { vocab: 16, d: 8, heads: 2, ffn: 16, layers: 2, classes: 3 }) {
    super();
    this.registerModule('embed', new Embedding(dims.vocab, dims.d));
    this.registerModule(
      'encoder',
      new TransformerEncoder(
        () => new TransformerEncoderLayer(dims.d, dims.heads, { dimFeedforward: dims.ffn, dropout: 0 }),
        dims.layers,
      ),
    );
    this.registerModule('classifier', new Linear(dims.d, dims.classes));
  }

  forward(ids: tf.Tensor, call: TinyEncoderCall = {}): tf.Tensor {
    const h = this.child<Module>('embed').forward(ids);
    const options: EncoderCallOptions = call.attentionMask ? { attentionMask: call.attentionMask } : {};
    const out = this.child<Module<[tf.Tensor, EncoderCallOptions?], tf.Tensor>>('encoder').forward(
      h,
      options,
    );
    const [b, t] = out.shape as [number, number, number];
    const m = call.attentionMask ? tf.cast(call.attentionMask, 'float32') : tf.ones([b, t]);
    const pooled = tf.div(tf.sum(tf.mul(out, tf.expandDims(m, 2)), 1), tf.expandDims(tf.sum(m, 1), 1));
    return this.child<Linear>('classifier').forward(pooled);
  }

  withVirtualTokens([ids, call = {}]: Inputs, count: number): Inputs {
    const mask = call.attentionMask;
    if (!mask) return [ids, call];
    const ones = tf.ones([mask.shape[0] as number, count], mask.dtype);
    return [ids, { ...call, attentionMask: tf.concat([ones, mask], 1) }];
  }
}

export const tinyEncoderPlacement = definePlacement({
  architecture: 'tiny-encoder',
  layers: 'encoder.layers',
  layerRoles: {
    attention: 'self_attn',
    'attn.q': 'self_attn.q_proj',
    'attn.k': 'self_attn.k_proj',
    'attn.v': 'self_attn.v_proj',
    'attn.o': 'self_attn.out_proj',
    'ffn.up': 'linear1',
    'ffn.down': 'linear2',
    norm: ['norm1', 'norm2'],
  },
  modelRoles: { embed: 'embed', head: 'classifier' },
});

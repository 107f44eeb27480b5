import { Embedding, Linear, Module, type Parameter, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { Seq2SeqCache } from '../seq2seq/seq2seq-cache.js';
import type { Seq2SeqDecodeInputs, Seq2SeqLm, Seq2SeqTokenIds } from '../seq2seq/seq2seq-lm.js';
import type { T5Config } from './config.js';
import { initT5Weights } from './init.js';
import { T5Stack } from './stack.js';

/** Inputs of a teacher-forced T5 forward. */
export interface T5Inputs {
  /** Source padding mask `[B, S]`. */
  attentionMask?: tf.Tensor;
  /** Decoder inputs `[B, T]` (the labels shifted right behind `decoder_start_token_id`). */
  decoderInputIds: tf.Tensor;
  /** Decoder padding mask `[B, T]`. */
  decoderAttentionMask?: tf.Tensor;
}

/** What a teacher-forced forward returns. */
export type Seq2SeqOutputs = {
  /** `[B, T, vocab]`. */
  logits: tf.Tensor;
  /** `[B, S, d_model]`. */
  encoderLastHiddenState: tf.Tensor;
};

/**
 * T5 with Hugging Face `T5ForConditionalGeneration` names: `shared`, `encoder.block.N.layer.0.
 * SelfAttention.{q,k,v,o}` (+ `relative_attention_bias` in block 0), `layer.1.DenseReluDense.
 * {wi,wo}` or gated `{wi_0,wi_1,wo}`, RMS `layer_norm`s, the decoder's `layer.1.EncDecAttention`,
 * `final_layer_norm`, and `lm_head` when not tied. Tied (T5 v1.0) logits scale the decoder output
 * by `d_model^-0.5` and reuse `shared`. Encoder output is computed once per source (`encode`);
 * `decode` runs the decoder with a key/value cache.
 *
 * @example
 * const t5 = new T5ForConditionalGeneration(t5Config({ d_model: 32, d_kv: 8, d_ff: 64, num_layers: 2, num_heads: 4, vocab_size: 100 }));
 * const { logits } = t5.call(ids, { decoderInputIds });
 */
export class T5ForConditionalGeneration
  extends Module<[tf.Tensor, T5Inputs], Seq2SeqOutputs>
  implements Seq2SeqLm
{
  readonly config: T5Config;
  readonly tokenIds: Seq2SeqTokenIds;
  /** `shared.weight`, kept so the tied LM head reads the base weight even when `shared` is wrapped. */
  private readonly sharedWeight: Parameter;

  constructor(config: T5Config) {
    super();
    this.config = config;
    this.tokenIds = {
      decoderStartTokenId: config.decoder_start_token_id,
      eosTokenId: config.eos_token_id,
      padTokenId: config.pad_token_id,
    };
    const shared = new Embedding(config.vocab_size, config.d_model);
    this.registerModule('shared', shared);
    this.sharedWeight = shared.weight;
    const embed = () => this.child<UnaryModule>('shared');
    this.registerModule('encoder', new T5Stack(config, false, embed));
    this.registerModule('decoder', new T5Stack(config, true, embed));
    if (!config.tie_word_embeddings) {
      this.registerModule('lm_head', new Linear(config.d_model, config.vocab_size, { bias: false }));
    }
    initT5Weights(this, config);
  }

  get vocabSize(): number {
    return this.config.vocab_size;
  }

  encode(inputIds: tf.Tensor, attentionMask?: tf.Tensor): tf.Tensor {
    return this.child<T5Stack>('encoder').forward(inputIds, { attentionMask }).hidden;
  }

  decode(
    decoderInputIds: tf.Tensor,
    inputs: Seq2SeqDecodeInputs,
  ): { logits: tf.Tensor; cache: Seq2SeqCache } {
    const { hidden, cache } = this.child<T5Stack>('decoder').forward(decoderInputIds, inputs);
    return { logits: this.lmLogits(hidden), cache };
  }

  forward(inputIds: tf.Tensor, inputs: T5Inputs): Seq2SeqOutputs {
    const encoderLastHiddenState = this.encode(inputIds, inputs.attentionMask);
    const { hidden } = this.child<T5Stack>('decoder').forward(inputs.decoderInputIds, {
      attentionMask: inputs.decoderAttentionMask,
      encoderHidden: encoderLastHiddenState,
      encoderMask: inputs.attentionMask,
    });
    return { logits: this.lmLogits(hidden), encoderLastHiddenState };
  }

  private lmLogits(hidden: tf.Tensor): tf.Tensor {
    if (!this.config.tie_word_embeddings) return this.child<UnaryModule>('lm_head').forward(hidden);
    const [b, t, e] = hidden.shape as [number, number, number];
    const scaled = tf.mul(tf.reshape(hidden, [b * t, e]), this.config.d_model ** -0.5);
    return tf.reshape(tf.matMul(scaled, this.sharedWeight.value, false, true), [
      b,
      t,
      this.config.vocab_size,
    ]);
  }
}

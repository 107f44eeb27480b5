import { Embedding, initTransformerWeights, Module, type Parameter, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { Seq2SeqCache } from '../seq2seq/seq2seq-cache.js';
import type { Seq2SeqDecodeInputs, Seq2SeqLm, Seq2SeqTokenIds } from '../seq2seq/seq2seq-lm.js';
import type { Seq2SeqOutputs, T5Inputs } from '../t5/model.js';
import type { BartConfig } from './config.js';
import { BartStack } from './stack.js';

/** `model`: the shared embedding and both stacks (HF `BartModel` / `MarianModel`). */
export class BartModel extends Module<[], never> {
  /** `shared.weight`, kept so the tied LM head reads the base weight even when `shared` is wrapped. */
  readonly sharedWeight: Parameter;

  constructor(config: BartConfig) {
    super();
    const shared = new Embedding(config.vocab_size, config.d_model, { paddingIdx: config.pad_token_id });
    this.registerModule('shared', shared);
    this.sharedWeight = shared.weight;
    const embed = () => this.child<UnaryModule>('shared');
    this.registerModule('encoder', new BartStack(config, false, embed));
    this.registerModule('decoder', new BartStack(config, true, embed));
  }

  forward(): never {
    throw new Error(
      'BartModel is a container; call BartForConditionalGeneration (encode / decode / forward)',
    );
  }
}

/**
 * BART and Marian with Hugging Face `BartForConditionalGeneration` / `MarianMTModel` names:
 * `model.shared`, `model.encoder/decoder.layers.N.self_attn.{q,k,v,out}_proj`, the decoder's
 * `encoder_attn`, `fc1`/`fc2`, `self_attn_layer_norm` / `final_layer_norm`, BART's learned
 * `embed_positions` and `layernorm_embedding`, and the `final_logits_bias` buffer. The LM head
 * is tied to `model.shared` (HF's `lm_head.weight` is not stored twice). Post-norm layers only
 * (mBART's pre-norm variant is not supported).
 *
 * @example
 * const bart = new BartForConditionalGeneration(bartConfig({ d_model: 32, encoder_layers: 2, decoder_layers: 2, ... }));
 * const { logits } = bart.call(ids, { attentionMask, decoderInputIds });
 */
export class BartForConditionalGeneration
  extends Module<[tf.Tensor, T5Inputs], Seq2SeqOutputs>
  implements Seq2SeqLm
{
  readonly config: BartConfig;
  readonly tokenIds: Seq2SeqTokenIds;
  /** HF's `final_logits_bias` buffer `[1, vocab]` (zeros in BART, trained in Marian's conversion). */
  readonly finalLogitsBias: Parameter;

  constructor(config: BartConfig) {
    super();
    this.config = config;
    this.tokenIds = {
      decoderStartTokenId: config.decoder_start_token_id,
      eosTokenId: config.eos_token_id,
      padTokenId: config.pad_token_id,
      forcedBosTokenId: config.forced_bos_token_id ?? undefined,
      forcedEosTokenId: config.forced_eos_token_id ?? undefined,
    };
    this.registerModule('model', new BartModel(config));
    this.finalLogitsBias = this.initBuffer('final_logits_bias', () => tf.zeros([1, config.vocab_size]));
    initTransformerWeights(this, config.init_std);
  }

  get vocabSize(): number {
    return this.config.vocab_size;
  }

  private stack(name: 'encoder' | 'decoder'): BartStack {
    return this.getSubmodule(`model.${name}`) as BartStack;
  }

  encode(inputIds: tf.Tensor, attentionMask?: tf.Tensor): tf.Tensor {
    return this.stack('encoder').forward(inputIds, { attentionMask }).hidden;
  }

  decode(
    decoderInputIds: tf.Tensor,
    inputs: Seq2SeqDecodeInputs,
  ): { logits: tf.Tensor; cache: Seq2SeqCache } {
    const { hidden, cache } = this.stack('decoder').forward(decoderInputIds, inputs);
    return { logits: this.lmLogits(hidden), cache };
  }

  forward(inputIds: tf.Tensor, inputs: T5Inputs): Seq2SeqOutputs {
    const encoderLastHiddenState = this.encode(inputIds, inputs.attentionMask);
    const { hidden } = this.stack('decoder').forward(inputs.decoderInputIds, {
      attentionMask: inputs.decoderAttentionMask,
      encoderHidden: encoderLastHiddenState,
      encoderMask: inputs.attentionMask,
    });
    return { logits: this.lmLogits(hidden), encoderLastHiddenState };
  }

  private lmLogits(hidden: tf.Tensor): tf.Tensor {
    const [b, t, e] = hidden.shape as [number, number, number];
    const bias = this.finalLogitsBias.value;
    const logits = tf.add(
      tf.matMul(
        tf.reshape(hidden, [b * t, e]),
        (this.getSubmodule('model') as BartModel).sharedWeight.value,
        false,
        true,
      ),
      bias,
    );
    return tf.reshape(logits, [b, t, this.config.vocab_size]);
  }
}

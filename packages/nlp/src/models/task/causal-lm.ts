import { Module, type PromptAware, type UnaryModule } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import type { GenerateOptions } from '../../heads/generation.js';
import type { KvCache } from '../gpt2/kv-cache.js';
import type { Gpt2Model } from '../gpt2/model.js';
import { type TextInputs, withVirtualTokens } from './backbone.js';
import { TiedLinear } from './tied-linear.js';

/** One incremental step of a causal LM. */
export type CausalLmStep = {
  /** `[B, T, V]` logits of the new positions. */
  logits: tf.Tensor;
  /** Keys/values of every position so far (caller owns them). */
  cache: { keys: tf.Tensor[]; values: tf.Tensor[] };
};

/**
 * HF's `GPT2LMHeadModel`: `transformer` and `lm_head`, tied to `transformer.wte` (the file key
 * `lm_head.weight` is the embedding). Output: logits `[B, T, V]`; `step` runs with a KV cache for
 * generation.
 */
export class CausalLmModel
  extends Module<[tf.Tensor, TextInputs?], tf.Tensor>
  implements PromptAware<[tf.Tensor, TextInputs?]>
{
  readonly basePath = 'transformer';
  /** Nothing to train whole: the LM head is the token embedding. */
  readonly headPaths: readonly string[] = [];
  /** Decoding settings used when predicting (set by the `nlp/causal-lm` head from its config). */
  generation: Omit<GenerateOptions, 'padTokenId'> = { maxNewTokens: 40 };

  constructor(base: Gpt2Model) {
    super();
    this.registerModule('transformer', base);
    this.registerModule('lm_head', new TiedLinear(base.wte));
  }

  get base(): Gpt2Model {
    return this.child<Gpt2Model>('transformer');
  }

  withVirtualTokens(inputs: [tf.Tensor, TextInputs?], count: number): [tf.Tensor, TextInputs?] {
    return withVirtualTokens(inputs, count);
  }

  forward(inputIds: tf.Tensor, inputs: TextInputs = {}): tf.Tensor {
    const out = this.base.forward(
      inputIds,
      inputs.attentionMask ? { attentionMask: inputs.attentionMask } : {},
    );
    return this.child<UnaryModule>('lm_head').forward(out.lastHiddenState);
  }

  /**
   * Logits of `inputIds` given the cache of earlier positions. `attentionMask` covers past and
   * new positions; `positionIds` default to continuing after the cache.
   */
  step(
    inputIds: tf.Tensor,
    options: { attentionMask?: tf.Tensor; positionIds?: tf.Tensor; cache?: KvCache } = {},
  ): CausalLmStep {
    const out = this.base.forward(inputIds, { ...options, useCache: true });
    const logits = this.child<UnaryModule>('lm_head').forward(out.lastHiddenState);
    return { logits, cache: out.cache as { keys: tf.Tensor[]; values: tf.Tensor[] } };
  }
}

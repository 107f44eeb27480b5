import {
  additivePaddingMask,
  Dropout,
  Embedding,
  initTransformerWeights,
  LayerNorm,
  type Linear,
  Module,
  ModuleList,
  type PromptAware,
  resetNormal,
  type UnaryModule,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { prependToTextInputs } from '../common/virtual-tokens.js';
import { Gpt2Block } from './block.js';
import type { Gpt2Config } from './config.js';
import { type KvCache, kvCacheLength } from './kv-cache.js';

/** Optional inputs of a GPT-2 forward pass. */
export interface Gpt2Inputs {
  /** `[B, past + T]`: 1 = token, 0 = padding, covering cached positions too (default all ones). */
  attentionMask?: tf.Tensor;
  /** int32 `[B, T]` (default `past .. past + T - 1`; left-padded batches pass their own). */
  positionIds?: tf.Tensor;
  /** Keys/values of earlier positions; the output's `cache` then covers them plus the new ones. */
  cache?: KvCache;
  /** Return the keys/values (default false; true when `cache` is given). */
  useCache?: boolean;
}

/** What `Gpt2Model` returns. */
export type Gpt2Outputs = {
  /** `[B, T, n_embd]`, after `ln_f`. */
  lastHiddenState: tf.Tensor;
  /** Present when `useCache` (or `cache`) was given; owned by the caller. */
  cache?: { keys: tf.Tensor[]; values: tf.Tensor[] };
};

/**
 * GPT-2 with Hugging Face `GPT2Model` names (`wte`, `wpe`, `h.N.ln_1`, `h.N.attn.c_attn`,
 * `h.N.attn.c_proj`, `h.N.ln_2`, `h.N.mlp.c_fc`, `h.N.mlp.c_proj`, `ln_f`); Conv1D weights are
 * `[in, out]` in files, as HF stores them. Causal attention, optional padding mask, and a KV cache
 * for generation. Initialised as HF does, residual projections scaled by `1/sqrt(2 * n_layer)`.
 *
 * @example
 * const gpt = new Gpt2Model(gpt2Config({ n_embd: 64, n_layer: 2, n_head: 4, vocab_size: 500 }));
 * const { lastHiddenState } = gpt.call(ids);
 */
export class Gpt2Model
  extends Module<[tf.Tensor, Gpt2Inputs?], Gpt2Outputs>
  implements PromptAware<[tf.Tensor, Gpt2Inputs?]>
{
  readonly config: Gpt2Config;

  constructor(config: Gpt2Config) {
    super();
    this.config = config;
    this.registerModule('wte', new Embedding(config.vocab_size, config.n_embd));
    this.registerModule('wpe', new Embedding(config.n_positions, config.n_embd));
    this.registerModule('drop', new Dropout(config.embd_pdrop));
    this.registerModule(
      'h',
      new ModuleList(Array.from({ length: config.n_layer }, (_, i) => new Gpt2Block(config, i))),
    );
    this.registerModule('ln_f', new LayerNorm(config.n_embd, { eps: config.layer_norm_epsilon }));
    initTransformerWeights(this, config.initializer_range);
    const residualStd = config.initializer_range / Math.sqrt(2 * config.n_layer);
    for (const block of this.child<ModuleList<Gpt2Block>>('h')) {
      for (const path of ['attn.c_proj', 'mlp.c_proj'])
        resetNormal((block.getSubmodule(path) as Linear).weight, residualStd);
    }
  }

  /** The token embedding (tied to the LM head). */
  get wte(): Embedding {
    return this.child<Embedding>('wte');
  }

  /**
   * Prompt tuning (`PromptAware`): the mask gets ones for the `count` virtual tokens prepended to
   * `wte`'s output; given `positionIds` shift by `count`, the virtual tokens taking `0 .. count - 1`.
   * A KV cache is refused: every call would prepend the prompt again.
   */
  withVirtualTokens(inputs: [tf.Tensor, Gpt2Inputs?], count: number): [tf.Tensor, Gpt2Inputs?] {
    const [ids, options] = inputs;
    if (options?.cache) {
      throw new Error(
        'Gpt2Model: prompt tuning cannot run with a KV cache (the prompt would be prepended on every step); call without cache',
      );
    }
    return options ? [ids, prependToTextInputs(options, count)] : inputs;
  }

  forward(inputIds: tf.Tensor, inputs: Gpt2Inputs = {}): Gpt2Outputs {
    const caller = 'Gpt2Model.forward';
    if (inputIds.rank !== 2) throw new Error(`${caller}: inputIds must be [B, T], got [${inputIds.shape}]`);
    const past = kvCacheLength(inputs.cache);
    const tokens = this.child<UnaryModule>('wte').forward(inputIds);
    const [b, t] = tokens.shape as [number, number, number];
    if (past + t > this.config.n_positions) {
      throw new Error(`${caller}: ${past + t} positions exceed n_positions ${this.config.n_positions}`);
    }
    const positions = inputs.positionIds ?? tf.range(past, past + t, 1, 'int32').reshape([1, t]);
    const h0 = tf.add(tokens, this.child<UnaryModule>('wpe').forward(positions));
    let h = this.child<UnaryModule>('drop').forward(h0);
    let mask: tf.Tensor | undefined;
    if (inputs.attentionMask) {
      mask = additivePaddingMask(inputs.attentionMask, caller);
      if (mask.shape[0] !== b || mask.shape[3] !== past + t) {
        throw new Error(
          `${caller}: attentionMask must be [${b}, ${past + t}] (past + new), got [${inputs.attentionMask.shape}]`,
        );
      }
    }
    const keys: tf.Tensor[] = [];
    const values: tf.Tensor[] = [];
    const blocks = this.child<ModuleList<Gpt2Block>>('h');
    let i = 0;
    for (const block of blocks) {
      const layerPast = inputs.cache
        ? { key: inputs.cache.keys[i] as tf.Tensor, value: inputs.cache.values[i] as tf.Tensor }
        : undefined;
      const out = block.forward(h, { mask, past: layerPast });
      h = out.output;
      keys.push(out.kv.key);
      values.push(out.kv.value);
      i += 1;
    }
    const lastHiddenState = this.child<UnaryModule>('ln_f').forward(h);
    if (inputs.useCache || inputs.cache) return { lastHiddenState, cache: { keys, values } };
    return { lastHiddenState };
  }
}

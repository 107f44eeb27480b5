import { activationFromName, Dropout, LayerNorm, Module, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { Gpt2Attention, type Gpt2AttentionCall, type Gpt2AttentionOutput } from './attention.js';
import { type Gpt2Config, gpt2Inner } from './config.js';
import { Conv1D } from './conv1d.js';

/** `h.N.mlp`: `c_fc` (role `ffn.up`), activation, `c_proj` (role `ffn.down`), dropout. */
export class Gpt2Mlp extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;

  constructor(config: Gpt2Config) {
    super();
    const inner = gpt2Inner(config);
    this.registerModule('c_fc', new Conv1D(config.n_embd, inner));
    this.registerModule('c_proj', new Conv1D(inner, config.n_embd));
    this.registerModule('dropout', new Dropout(config.resid_pdrop));
    this.act = activationFromName(config.activation_function);
  }

  forward(x: tf.Tensor): tf.Tensor {
    const h = this.act.forward(this.child<UnaryModule>('c_fc').forward(x));
    return this.child<UnaryModule>('dropout').forward(this.child<UnaryModule>('c_proj').forward(h));
  }
}

/** `h.N`: pre-LayerNorm block, `h + attn(ln_1(h))` then `h + mlp(ln_2(h))`. */
export class Gpt2Block extends Module<[tf.Tensor, Gpt2AttentionCall], Gpt2AttentionOutput> {
  constructor(config: Gpt2Config, layerIndex: number) {
    super();
    const eps = { eps: config.layer_norm_epsilon };
    this.registerModule('ln_1', new LayerNorm(config.n_embd, eps));
    this.registerModule('attn', new Gpt2Attention(config, layerIndex));
    this.registerModule('ln_2', new LayerNorm(config.n_embd, eps));
    this.registerModule('mlp', new Gpt2Mlp(config));
  }

  forward(hidden: tf.Tensor, call: Gpt2AttentionCall): Gpt2AttentionOutput {
    const a = this.child<Gpt2Attention>('attn').forward(
      this.child<UnaryModule>('ln_1').forward(hidden),
      call,
    );
    const h = tf.add(hidden, a.output);
    const m = this.child<UnaryModule>('mlp').forward(this.child<UnaryModule>('ln_2').forward(h));
    return { output: tf.add(h, m), kv: a.kv };
  }
}

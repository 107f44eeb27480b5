import { type CheckpointOutputHook, FeedForward, LayerNorm, Module, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { Gpt2Attention, type Gpt2AttentionCall, type Gpt2AttentionOutput } from './attention.js';
import { type Gpt2Config, gpt2Inner } from './config.js';
import { Conv1D } from './conv1d.js';

/** `h.N.mlp`: `c_fc` (role `ffn.up`), activation, `c_proj` (role `ffn.down`), `dropout`. */
export class Gpt2Mlp extends FeedForward {
  constructor(config: Gpt2Config) {
    super(config.n_embd, gpt2Inner(config), {
      activation: config.activation_function,
      dropout: config.resid_pdrop,
      names: { up: 'c_fc', down: 'c_proj', outputDropout: 'dropout' },
      linear: (i, o) => new Conv1D(i, o),
    });
  }
}

/** `h.N`: pre-LayerNorm block, `h + attn(ln_1(h))` then `h + mlp(ln_2(h))`. */
export class Gpt2Block
  extends Module<[tf.Tensor, Gpt2AttentionCall], Gpt2AttentionOutput>
  implements CheckpointOutputHook
{
  /** Under gradient checkpointing `output` carries gradients; `kv` (the cache) is returned as is. */
  readonly checkpointOutputKey = 'output';

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

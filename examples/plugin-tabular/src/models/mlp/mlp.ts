import { Dropout, GELU, LayerNorm, Linear, Module, ModuleList } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import type { MlpConfig } from './config.js';

/** Pre-norm residual feed-forward block: `x + down(drop(gelu(up(norm(x)))))`. */
export class MlpBlock extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act = new GELU();

  constructor(c: MlpConfig) {
    super();
    this.registerModule('norm', new LayerNorm(c.hidden_size));
    this.registerModule('up', new Linear(c.hidden_size, c.intermediate_size));
    this.registerModule('drop', new Dropout(c.hidden_dropout_prob));
    this.registerModule('down', new Linear(c.intermediate_size, c.hidden_size));
  }

  // Children are looked up by name on every call (no cached fields), so the PEFT wrappers that
  // replace `up`/`down` by path are the ones that run.
  forward(x: tf.Tensor): tf.Tensor {
    const h = this.child('up').forward(this.child('norm').forward(x));
    const y = this.child('down').forward(this.child('drop').forward(this.act.forward(h)));
    return x.add(y);
  }
}

/**
 * The tabular base: `input` (features -> hidden), `layers.N` residual blocks, a final `norm`.
 * Outputs `[N, hidden]` features for a head.
 */
export class Mlp extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly config: MlpConfig) {
    super();
    this.registerModule('input', new Linear(config.in_features, config.hidden_size));
    this.registerModule(
      'layers',
      new ModuleList(Array.from({ length: config.num_hidden_layers }, () => new MlpBlock(config))),
    );
    this.registerModule('norm', new LayerNorm(config.hidden_size));
  }

  forward(x: tf.Tensor): tf.Tensor {
    let h = this.child('input').forward(x);
    for (const block of this.child<ModuleList>('layers')) h = block.forward(h);
    return this.child('norm').forward(h);
  }
}

import {
  type ActivationName,
  activationFromName,
  Dropout,
  Identity,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  type UnaryModule,
  z,
} from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/** MLP policy hyper-parameters, named as its `config.json` keys. */
export const mlpPolicyConfig = z.strictObject({
  /** Width of one observation frame (filled from the data by the preprocessor). */
  observation_dim: z.number().int().positive(),
  /** Frames of observation history, flattened into the input. */
  history_length: z.number().int().positive().default(1),
  /** Action width (filled from the data; used by the action heads). */
  action_dim: z.number().int().positive(),
  hidden_size: z.number().int().positive().default(256),
  num_layers: z.number().int().positive().default(3),
  activation: z.enum(['relu', 'gelu', 'tanh', 'silu']).default('relu'),
  layer_norm: z.boolean().default(true),
  dropout: z.number().min(0).lt(1).default(0),
});

export type MlpPolicyConfig = z.output<typeof mlpPolicyConfig>;

/** One trunk layer: `act(norm(linear(x)))` with dropout. */
export class TrunkLayer extends Module<[tf.Tensor], tf.Tensor> {
  private readonly act: UnaryModule;

  constructor(inFeatures: number, c: MlpPolicyConfig) {
    super();
    this.registerModule('linear', new Linear(inFeatures, c.hidden_size));
    this.registerModule('norm', c.layer_norm ? new LayerNorm(c.hidden_size) : new Identity());
    this.registerModule('dropout', new Dropout(c.dropout));
    this.act = activationFromName(c.activation as ActivationName);
  }

  // Children are looked up on every call so PEFT wrappers that replace `linear` take effect.
  forward(x: tf.Tensor): tf.Tensor {
    const h = this.child('norm').forward(this.child('linear').forward(x));
    return this.child('dropout').forward(this.act.call(h));
  }
}

/**
 * A feed-forward policy trunk: the observation window `[B, history, obs]` is flattened and passed
 * through `trunk.N` layers; outputs `[B, hidden_size]` features for an action head
 * (`action_head`, added by the head).
 */
export class MlpPolicy extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly config: MlpPolicyConfig) {
    super();
    const layers = new ModuleList<TrunkLayer>();
    for (let i = 0; i < config.num_layers; i++) {
      layers.append(
        new TrunkLayer(i === 0 ? config.observation_dim * config.history_length : config.hidden_size, config),
      );
    }
    this.registerModule('trunk', layers);
  }

  forward(observation: tf.Tensor): tf.Tensor {
    const [b] = observation.shape as number[];
    let h = observation.reshape([b as number, -1]);
    const want = this.config.observation_dim * this.config.history_length;
    if (h.shape[1] !== want) {
      throw new Error(
        `MlpPolicy.forward: observation has ${h.shape[1]} values per example, expected ${want} (history ${this.config.history_length} x ${this.config.observation_dim})`,
      );
    }
    for (const layer of this.child<ModuleList<TrunkLayer>>('trunk')) h = layer.forward(h);
    return h;
  }
}

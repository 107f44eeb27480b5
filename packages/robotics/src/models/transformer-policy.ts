import {
  Embedding,
  LayerNorm,
  Linear,
  Module,
  TransformerEncoder,
  TransformerEncoderLayer,
  z,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** Transformer policy hyper-parameters, named as its `config.json` keys. */
export const transformerPolicyConfig = z.strictObject({
  observation_dim: z.number().int().positive(),
  history_length: z.number().int().positive().default(8),
  action_dim: z.number().int().positive(),
  d_model: z.number().int().positive().default(128),
  num_layers: z.number().int().positive().default(2),
  num_heads: z.number().int().positive().default(4),
  ffn_dim: z.number().int().positive().default(256),
  dropout: z.number().min(0).lt(1).default(0.1),
});

export type TransformerPolicyConfig = z.output<typeof transformerPolicyConfig>;

/**
 * A transformer over the observation history: each frame is projected (`obs_proj`), gets a
 * learned position (`pos_embed`), goes through pre-norm encoder layers (`encoder.layers.N` with
 * `self_attn.{q,k,v,out}_proj`, `linear1`, `linear2`), and the current (last) frame's features
 * after `norm` are the output `[B, d_model]`. Prompt tuning (role `embed` = `obs_proj`) prepends
 * its virtual tokens to the projected frames; they get no position, the frames keep theirs.
 */
export class TransformerPolicy extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly config: TransformerPolicyConfig) {
    super();
    if (config.d_model % config.num_heads !== 0) {
      throw new Error(
        `TransformerPolicy: d_model ${config.d_model} is not divisible by num_heads ${config.num_heads}`,
      );
    }
    this.registerModule('obs_proj', new Linear(config.observation_dim, config.d_model));
    this.registerModule('pos_embed', new Embedding(config.history_length, config.d_model));
    this.registerModule(
      'encoder',
      new TransformerEncoder(
        () =>
          new TransformerEncoderLayer(config.d_model, config.num_heads, {
            dimFeedforward: config.ffn_dim,
            dropout: config.dropout,
            activation: 'gelu',
            normFirst: true,
          }),
        config.num_layers,
      ),
    );
    this.registerModule('norm', new LayerNorm(config.d_model));
  }

  forward(observation: tf.Tensor): tf.Tensor {
    const [b, h, d] = observation.shape as number[];
    if (observation.rank !== 3 || h !== this.config.history_length || d !== this.config.observation_dim) {
      throw new Error(
        `TransformerPolicy.forward: observation shape [${observation.shape}], expected [B, ${this.config.history_length}, ${this.config.observation_dim}]`,
      );
    }
    const frames = this.child('obs_proj').forward(observation) as tf.Tensor;
    // Prompt tuning (embed = obs_proj) prepends virtual tokens to that output: positions belong
    // to the H frames, which are the last H rows; the prompt rows get none.
    const length = frames.shape[1] as number;
    if (length < (h as number))
      throw new Error(`TransformerPolicy.forward: obs_proj returned ${length} rows for ${h} frames`);
    const positions = this.child('pos_embed').forward(tf.range(0, h as number, 1, 'int32')) as tf.Tensor;
    const placed =
      length === h
        ? positions
        : tf.pad(positions, [
            [length - (h as number), 0],
            [0, 0],
          ]);
    const x = tf.add(frames, placed);
    const y = this.child('norm').forward(this.child('encoder').forward(x)) as tf.Tensor3D;
    return y
      .slice([0, length - 1, 0], [b as number, 1, this.config.d_model])
      .reshape([b as number, this.config.d_model]);
  }
}

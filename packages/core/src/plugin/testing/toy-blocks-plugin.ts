/**
 * A second test plugin: an architecture whose blocks carry BERT's module names and every
 * transformer role (attention projections, feed-forward up/down, the attention and feed-forward
 * sub-layer outputs), with per-method default targets as the nlp plugin declares them. Runs use
 * the toy plugin's reader, preprocessor and head (`--set model.architecture=toy/blocks`). Not
 * exported from the package.
 */
import * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { loadCheckpointInto, saveCheckpoint } from '../../io/checkpoint.js';
import { readJsonObject } from '../../io/read-json.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module-list.js';
import { definePlacement } from '../../peft/placement.js';
import { Architecture } from '../architecture.js';
import { definePlugin } from '../domain-plugin.js';
import { PlacementContribution } from '../placement-contribution.js';

const blocksConfig = z.strictObject({
  inFeatures: z.number().int().positive(),
  hidden: z.number().int().positive().default(8),
  ffn: z.number().int().positive().default(12),
  layers: z.number().int().positive().default(2),
});
type BlocksConfig = z.output<typeof blocksConfig>;

/** A `dense` Linear under its own name, as BERT's `intermediate` and `output`. */
class Dense extends Module<[tf.Tensor], tf.Tensor> {
  constructor(inFeatures: number, outFeatures: number) {
    super();
    this.registerModule('dense', new Linear(inFeatures, outFeatures));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('dense').forward(x);
  }
}

/** `query`, `key`, `value` and `output.dense`: a gated mix standing in for attention on one vector. */
class Attention extends Module<[tf.Tensor], tf.Tensor> {
  constructor(h: number) {
    super();
    for (const name of ['query', 'key', 'value']) this.registerModule(name, new Linear(h, h));
    this.registerModule('output', new Dense(h, h));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const gate = tf.sigmoid(tf.mul(this.child('query').forward(x), this.child('key').forward(x)));
    return this.child('output').forward(tf.mul(gate, this.child('value').forward(x)));
  }
}

class Block extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: BlocksConfig) {
    super();
    this.registerModule('attention', new Attention(c.hidden));
    this.registerModule('intermediate', new Dense(c.hidden, c.ffn));
    this.registerModule('output', new Dense(c.ffn, c.hidden));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const h = tf.add(x, this.child('attention').forward(x));
    return tf.add(h, this.child('output').forward(tf.relu(this.child('intermediate').forward(h))));
  }
}

class Blocks extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: BlocksConfig) {
    super();
    this.registerModule('input', new Linear(c.inFeatures, c.hidden));
    this.registerModule('layer', new ModuleList(Array.from({ length: c.layers }, () => new Block(c))));
  }
  forward(x: tf.Tensor): tf.Tensor {
    let h = this.child('input').forward(x);
    for (const b of this.child<ModuleList>('layer')) h = b.forward(h);
    return h;
  }
}

const placement = definePlacement({
  architecture: 'toy/blocks',
  layers: 'layer',
  layerRoles: {
    'attn.q': 'attention.query',
    'attn.k': 'attention.key',
    'attn.v': 'attention.value',
    'attn.o': 'attention.output.dense',
    'ffn.up': 'intermediate.dense',
    'ffn.down': 'output.dense',
    'block.attn': 'attention.output.dense',
    'block.ffn': 'output.dense',
  },
  modelRoles: { embed: 'input' },
});

const architecture: Architecture<BlocksConfig> = {
  id: 'toy/blocks',
  description: 'residual blocks with BERT module names and every transformer role',
  modelTypes: ['toy-blocks'],
  configSchema: blocksConfig,
  build: (c) => new Blocks(c),
  async loadCheckpoint(dir) {
    const json = await readJsonObject(`${dir}/config.json`);
    const config = blocksConfig.parse({
      inFeatures: json['in_features'],
      hidden: json['hidden'],
      ffn: json['ffn'],
      layers: json['layers'],
    });
    const model = new Blocks(config);
    await loadCheckpointInto(dir, model);
    return { model, config };
  },
  saveCheckpoint: (dir, model, c) =>
    saveCheckpoint(dir, model, {
      model_type: 'toy-blocks',
      in_features: c.inFeatures,
      hidden: c.hidden,
      ffn: c.ffn,
      layers: c.layers,
    }),
  placement: () => placement,
  outputFeatures: (c) => c.hidden,
};

/** The blocks plugin (load it together with `toyPlugin`). */
export const toyBlocksPlugin = definePlugin({
  id: 'toy-blocks',
  version: '0.0.1',
  domain: 'toy',
  description: 'test plugin: an architecture with every transformer role',
  module: new ContainerModule(({ bind }) => {
    bind(Architecture).toConstantValue(architecture);
    // As the nlp plugin's encoders declare them: the table the CLI passes to getPeftModel.
    bind(PlacementContribution).toConstantValue({
      architecture: 'toy/blocks',
      defaults: {
        LORA: { targetRoles: ['attn.q', 'attn.v'] },
        IA3: { targetRoles: ['attn.k', 'attn.v', 'ffn.down'] },
        BOTTLENECK: { targetRoles: ['block.ffn'] },
        '*': { targetRoles: ['attn.q', 'attn.v'] },
      },
    });
  }),
});

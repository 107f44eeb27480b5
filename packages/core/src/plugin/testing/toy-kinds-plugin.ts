/**
 * A test plugin with two bases that are not Linear stacks, for the toy plugin's two-feature data
 * (`--set model.architecture=toy/tokens` or `toy/convs`; reader, preprocessor and head are the
 * toy plugin's):
 * - `toy/tokens`: each feature is bucketed into a token id, looked up in an `Embedding`
 *   (`embed`, role `embed`), mean-pooled, then one residual `Linear` (`dense`): BERT's shape in
 *   miniature, where everything the model knows enters through the embedding table;
 * - `toy/convs`: the two features paint a 4 x 4 one-channel image, read by a dense, a grouped and
 *   a depthwise `Conv2d` and a `Conv1d` over the flattened positions (role `conv`), then
 *   mean-pooled: a base without any Linear, as a small ResNet or a speech conv stem.
 * Not exported from the package.
 */
import * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { loadCheckpointInto, saveCheckpoint } from '../../io/checkpoint.js';
import { readJsonObject } from '../../io/read-json.js';
import { Conv1d } from '../../nn/conv1d.js';
import { Conv2d } from '../../nn/conv2d.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { type AnyModule, Module } from '../../nn/module.js';
import { definePlacement, type Placement } from '../../peft/placement.js';
import { Architecture } from '../architecture.js';
import { definePlugin } from '../domain-plugin.js';

const kindsConfig = z.strictObject({ inFeatures: z.number().int().positive() });
type KindsConfig = z.output<typeof kindsConfig>;

/** Buckets per feature over [-2, 2]; token ids are `feature * BINS + bucket`. */
const BINS = 8;
const HIDDEN = 8;

class Tokens extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: KindsConfig) {
    super();
    this.registerModule('embed', new Embedding(c.inFeatures * BINS, HIDDEN));
    this.registerModule('dense', new Linear(HIDDEN, HIDDEN));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const n = x.shape[1] as number;
    const bucket = tf.clipByValue(tf.floor(tf.mul(tf.add(x, 2), BINS / 4)), 0, BINS - 1);
    const ids = tf.cast(tf.add(bucket, tf.mul(tf.range(0, n), BINS)), 'int32');
    const h = tf.mean(this.child('embed').forward(ids), 1);
    return tf.add(h, tf.relu(this.child('dense').forward(h)));
  }
}

class Convs extends Module<[tf.Tensor], tf.Tensor> {
  constructor(_c: KindsConfig) {
    super();
    this.registerModule('stem', new Conv2d(1, 4, 3, { padding: 1 }));
    this.registerModule('grouped', new Conv2d(4, 4, 3, { padding: 1, groups: 2 }));
    this.registerModule('depthwise', new Conv2d(4, 8, 3, { padding: 1, groups: 4 }));
    this.registerModule('seq', new Conv1d(8, HIDDEN, 2));
  }
  forward(x: tf.Tensor): tf.Tensor {
    const b = x.shape[0] as number;
    // image[y, x] = x0 * u[y] + x1 * v[x]: both features, in different spatial patterns.
    const u = tf.tensor2d([[1, -0.5, 0.25, 2]]);
    const v = tf.tensor2d([[-1, 1.5, 0.5, -2]]);
    const [x0, x1] = tf.split(x, 2, 1);
    const image = tf.add(
      tf.reshape(tf.matMul(x0 as tf.Tensor2D, u), [b, 4, 1, 1]),
      tf.reshape(tf.matMul(x1 as tf.Tensor2D, v), [b, 1, 4, 1]),
    );
    let h = tf.relu(this.child('stem').forward(image));
    h = tf.relu(this.child('grouped').forward(h));
    h = tf.relu(this.child('depthwise').forward(h));
    const s = tf.relu(this.child('seq').forward(tf.reshape(h, [b, 16, 8])));
    return tf.mean(s, 1);
  }
}

function architecture(
  id: string,
  build: (c: KindsConfig) => AnyModule,
  placement: Placement,
): Architecture<KindsConfig> {
  const modelType = id.replace('/', '-');
  return {
    id,
    description: `test base: ${id}`,
    modelTypes: [modelType],
    configSchema: kindsConfig,
    build,
    async loadCheckpoint(dir) {
      const json = await readJsonObject(`${dir}/config.json`);
      const config = kindsConfig.parse({ inFeatures: json['in_features'] });
      const model = build(config);
      await loadCheckpointInto(dir, model);
      return { model, config };
    },
    saveCheckpoint: (dir, model, c) =>
      saveCheckpoint(dir, model, { model_type: modelType, in_features: c.inFeatures }),
    placement: () => placement,
    outputFeatures: () => HIDDEN,
  };
}

/** The kinds plugin (load it together with `toyPlugin`). */
export const toyKindsPlugin = definePlugin({
  id: 'toy-kinds',
  version: '0.0.1',
  domain: 'toy',
  description: 'test plugin: an embedding base and a conv-only base',
  module: new ContainerModule(({ bind }) => {
    bind(Architecture).toConstantValue(
      architecture(
        'toy/tokens',
        (c) => new Tokens(c),
        definePlacement({ architecture: 'toy/tokens', modelRoles: { embed: 'embed' } }),
      ),
    );
    bind(Architecture).toConstantValue(
      architecture(
        'toy/convs',
        (c) => new Convs(c),
        definePlacement({
          architecture: 'toy/convs',
          modelRoles: { conv: ['stem', 'grouped', 'depthwise', 'seq'] },
        }),
      ),
    );
  }),
});

/**
 * A small but complete plugin for the host's and the CLI's tests: generated two-feature data
 * (`toy:<rows>`), an identity preprocessor, a two-block MLP with placement roles, a softmax head
 * and a preset. Not exported from the package (the tabular example is the documented one).
 */
import * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { loadCheckpointInto, saveCheckpoint } from '../../io/checkpoint.js';
import { readJsonObject } from '../../io/read-json.js';
import { Linear } from '../../nn/linear.js';
import { type AnyModule, Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module-list.js';
import { definePlacement } from '../../peft/placement.js';
import { Rng } from '../../runtime/random.js';
import { arrayDataset } from '../../train/data/dataset.js';
import { crossEntropy } from '../../train/losses/cross-entropy.js';
import { Architecture } from '../architecture.js';
import { DatasetReader } from '../dataset-reader.js';
import { definePlugin } from '../domain-plugin.js';
import { Head } from '../head.js';
import type { JsonValue } from '../json.js';
import { PlacementContribution } from '../placement-contribution.js';
import { type ModelBatch, Preprocessor } from '../preprocessor.js';
import { Preset } from '../preset.js';

interface Row {
  x: [number, number];
  label: number;
}

const LABELS = ['neg', 'pos'];

const reader: DatasetReader<Row> = {
  id: 'toy/inline',
  description:
    'toy:<rows>[?<seed>[?<cut>[?<classes>]]]: points labelled by x0 + x1 > cut (default 0; 1.8 gives ~10% positives), or with classes > 2 by which of that many bands of tanh(x0 + x1) they fall in (labels c0..)',
  formats: ['toy:'],
  canRead: (p) => p.startsWith('toy:'),
  async read(location) {
    const [, seed, cut, classes] = location.slice(4).split('?');
    const rng = new Rng(Number(seed ?? 1));
    const n = Number.parseInt(location.slice(4), 10);
    const k = Number(classes ?? 2);
    const band = (s: number) => Math.min(k - 1, Math.floor(((Math.tanh(s) + 1) / 2) * k));
    const rows = Array.from({ length: n }, (): Row => {
      const x: [number, number] = [rng.normal(0, 1), rng.normal(0, 1)];
      const s = x[0] + x[1];
      return { x, label: k > 2 ? band(s) : s > Number(cut ?? 0) ? 1 : 0 };
    });
    const labels = k > 2 ? Array.from({ length: k }, (_, i) => `c${i}`) : LABELS;
    return { dataset: arrayDataset(rows, location), labels, labelOf: (r) => r.label };
  },
};

const preprocessor: Preprocessor<Row, Row, ModelBatch> = {
  id: 'toy/identity',
  description: 'features as they are',
  create: () => {
    let fitted = 0;
    return {
      fit: (train) => {
        fitted = train.length ?? 0;
      },
      encode: (r) => r,
      collate: (rows) => ({
        inputs: [tf.tensor2d(rows.map((r) => r.x))],
        ...(rows.every((r) => r.label >= 0)
          ? {
              targets: tf.tensor1d(
                rows.map((r) => r.label),
                'int32',
              ),
            }
          : {}),
        size: rows.length,
      }),
      parseInput: (s) => {
        const [a = Number.NaN, b = Number.NaN] = s.split(',').map(Number);
        return { x: [a, b], label: -1 };
      },
      modelConfig: () => ({ inFeatures: 2 }),
      saveState: (): JsonValue => ({ fitted }),
      loadState: (s) => {
        fitted = (s as { fitted: number }).fitted;
      },
    };
  },
};

const toyConfig = z.strictObject({
  inFeatures: z.number().int().positive(),
  hidden: z.number().int().positive().default(8),
  layers: z.number().int().positive().default(2),
});
type ToyConfig = z.output<typeof toyConfig>;

class Block extends Module<[tf.Tensor], tf.Tensor> {
  constructor(h: number) {
    super();
    this.registerModule('up', new Linear(h, h));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return x.add(tf.relu(this.child('up').forward(x)));
  }
}

class ToyMlp extends Module<[tf.Tensor], tf.Tensor> {
  constructor(c: ToyConfig) {
    super();
    this.registerModule('input', new Linear(c.inFeatures, c.hidden));
    this.registerModule(
      'layers',
      new ModuleList(Array.from({ length: c.layers }, () => new Block(c.hidden))),
    );
  }
  forward(x: tf.Tensor): tf.Tensor {
    let h = this.child('input').forward(x);
    for (const b of this.child<ModuleList>('layers')) h = b.forward(h);
    return h;
  }
}

const architecture: Architecture<ToyConfig> = {
  id: 'toy/mlp',
  description: 'tiny residual MLP',
  modelTypes: ['toy-mlp'],
  configSchema: toyConfig,
  build: (c) => new ToyMlp(c),
  async loadCheckpoint(dir) {
    const json = await readJsonObject(`${dir}/config.json`);
    const config = toyConfig.parse({
      inFeatures: json['in_features'],
      hidden: json['hidden'],
      layers: json['layers'],
    });
    const model = new ToyMlp(config);
    await loadCheckpointInto(dir, model);
    return { model, config };
  },
  saveCheckpoint: (dir, model, c) =>
    saveCheckpoint(dir, model, {
      model_type: 'toy-mlp',
      in_features: c.inFeatures,
      hidden: c.hidden,
      layers: c.layers,
    }),
  placement: () =>
    definePlacement({
      architecture: 'toy/mlp',
      layers: 'layers',
      layerRoles: { 'ffn.up': 'up' },
      modelRoles: { embed: 'input' },
    }),
  outputFeatures: (c) => c.hidden,
};

class Classifier extends Module<[tf.Tensor], tf.Tensor> {
  constructor(base: AnyModule, features: number, n: number) {
    super();
    this.registerModule('body', base);
    this.registerModule('score', new Linear(features, n));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('score').forward(this.child('body').forward(x));
  }
}

const head: Head<unknown, tf.Tensor> = {
  id: 'toy/classify',
  task: 'classification',
  description: 'softmax classifier',
  defaultMetrics: ['accuracy'],
  build: ({ base, features, labels }) => ({
    model: new Classifier(base, features ?? 1, labels?.length ?? 2),
    basePath: 'body',
    headPaths: ['score'],
  }),
  loss: (logits, batch) => crossEntropy(logits, batch.targets as tf.Tensor) as tf.Scalar,
  metricInputs: (logits, batch) => ({ predictions: tf.softmax(logits), targets: batch.targets as tf.Tensor }),
  async predict(logits, { labels }) {
    const p = tf.softmax(logits);
    const rows = (await p.array()) as number[][];
    p.dispose();
    return rows.map((r) => ({
      label: labels?.[r.indexOf(Math.max(...r))] ?? '?',
      probabilities: Object.fromEntries(r.map((v, i) => [labels?.[i] ?? String(i), v])),
    }));
  },
};

const preset: Preset = {
  id: 'toy/basic',
  domain: 'toy',
  task: 'classification',
  description: 'LoRA r=2 on a tiny MLP',
  config: {
    data: { train: 'toy:64' },
    preprocess: { id: 'toy/identity' },
    model: { architecture: 'toy/mlp' },
    head: { id: 'toy/classify' },
    peft: { peftType: 'LORA', r: 2 },
    training: { maxSteps: 4, batchSize: 16, lr: 1e-2 },
  },
};

/** The toy plugin's head, for test plugins that vary it. */
export const toyHead = head;

/** The toy plugin. */
export const toyPlugin = definePlugin({
  id: 'toy',
  version: '0.0.1',
  domain: 'toy',
  description: 'test plugin',
  module: new ContainerModule(({ bind }) => {
    bind(DatasetReader).toConstantValue(reader);
    bind(Preprocessor).toConstantValue(preprocessor);
    bind(Architecture).toConstantValue(architecture);
    bind(Head).toConstantValue(head);
    bind(PlacementContribution).toConstantValue({
      architecture: 'toy/mlp',
      defaults: { LORA: { targetRoles: ['ffn.up'] } },
    });
    bind(Preset).toConstantValue(preset);
  }),
});

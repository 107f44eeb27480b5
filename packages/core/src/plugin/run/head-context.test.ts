import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Linear } from '../../nn/linear.js';
import { type AnyModule, Module } from '../../nn/module.js';
import { crossEntropy } from '../../train/losses/cross-entropy.js';
import { definePlugin } from '../domain-plugin.js';
import { Head } from '../head.js';
import { createPeftkit } from '../peftkit-host.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { evaluateRun } from './evaluate-run.js';
import { loadRun } from './load-run.js';
import { predictRun } from './predict-run.js';
import { RUN_FILES } from './run-files.js';
import { trainRun } from './train-run.js';

const probeConfig = z.strictObject({ tag: z.string(), smoothing: z.number().default(0.1) });
type ProbeConfig = z.output<typeof probeConfig>;

/** Which head call received which config and labels (`undefined`: none). */
const seen: { call: string; config: unknown; labels?: readonly string[] | undefined }[] = [];

class Scored extends Module<[tf.Tensor], tf.Tensor> {
  constructor(base: AnyModule, features: number) {
    super();
    this.registerModule('body', base);
    this.registerModule('score', new Linear(features, 2));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('score').forward(this.child('body').forward(x));
  }
}

/** A softmax head that records the config each call receives. */
const probeHead: Head<ProbeConfig, tf.Tensor> = {
  id: 'probe/classify',
  task: 'classification',
  description: 'records its contexts',
  configSchema: probeConfig,
  defaultMetrics: ['accuracy'],
  build: ({ base, features }) => ({
    model: new Scored(base, features ?? 1),
    basePath: 'body',
    headPaths: ['score'],
  }),
  forward(model, batch, context) {
    seen.push({ call: context.training ? 'forward(train)' : 'forward(eval)', config: context.config });
    return model.forward(...batch.inputs) as tf.Tensor;
  },
  loss(logits, batch, context) {
    seen.push({ call: 'loss', config: context?.config, labels: context?.labels });
    const labelSmoothing = context?.config.smoothing ?? 0;
    return crossEntropy(logits, batch.targets as tf.Tensor, { labelSmoothing }) as tf.Scalar;
  },
  metricInputs(logits, batch, context) {
    seen.push({ call: 'metricInputs', config: context?.config, labels: context?.labels });
    return { predictions: tf.softmax(logits), targets: tf.clone(batch.targets as tf.Tensor) };
  },
  async predict(logits, { config, labels }) {
    seen.push({ call: 'predict', config, labels });
    return Array.from({ length: logits.shape[0] as number }, () => ({ label: 'neg' }));
  },
};

const probePlugin = definePlugin({
  id: 'probe',
  version: '0.0.1',
  domain: 'toy',
  description: 'a head that records its contexts',
  module: new ContainerModule(({ bind }) => {
    bind(Head).toConstantValue(probeHead);
  }),
});

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-head-context-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('head config and labels at loss, metric and predict time', () => {
  it('reaches every head call of train, eval and predict, re-validated for loaded runs', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin, probePlugin] });
    const { config } = resolveRunConfig({
      preset: host.presets.get('toy/basic'),
      layers: [
        {
          name: 'test',
          value: {
            head: { id: 'probe/classify', config: { tag: 'run' } },
            data: { sampling: 'class-balanced' },
            training: { maxSteps: 2 },
          },
        },
      ],
    });
    const out = path.join(dir, 'run');
    const trained = await trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
    const validated = { tag: 'run', smoothing: 0.1 };
    const calls = new Set(seen.map((s) => s.call));
    expect(calls).toEqual(new Set(['forward(train)', 'forward(eval)', 'loss', 'metricInputs']));
    for (const s of seen) expect(s.config, s.call).toEqual(validated);
    // The run's label set reaches loss and metricInputs as it reaches build and predict.
    expect(trained.labels?.length).toBeGreaterThan(1);
    for (const s of seen.filter((x) => !x.call.startsWith('forward')))
      expect(s.labels, s.call).toEqual(trained.labels);
    // The class-balanced sampler is part of the trajectory the checkpoint records.
    const state = await fs.readFile(path.join(out, 'checkpoints/last/trainer_state.json'), 'utf8');
    expect(JSON.parse(state).config.train).toMatchObject({ sampler: 'class-balanced', shuffle: false });

    // A run saved by an older head version without `smoothing`: loading fills the default.
    const manifestFile = path.join(out, RUN_FILES.manifest);
    const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
    manifest.head.config = { tag: 'run' };
    await fs.writeFile(manifestFile, JSON.stringify(manifest));
    seen.length = 0;
    const run = await loadRun(host, out);
    await evaluateRun(host, run, { data: 'toy:16?3' });
    await predictRun(run, ['0.5,-1']);
    expect(new Set(seen.map((s) => s.call))).toEqual(
      new Set(['forward(eval)', 'loss', 'metricInputs', 'predict']),
    );
    for (const s of seen) expect(s.config, s.call).toEqual(validated);
    for (const s of seen.filter((x) => !x.call.startsWith('forward')))
      expect(s.labels, s.call).toEqual(trained.labels);

    run.model.dispose();

    manifest.head.config = { tag: 3 };
    await fs.writeFile(manifestFile, JSON.stringify(manifest));
    // Refused when the run is loaded, before the head is built from it.
    await expect(loadRun(host, out)).rejects.toThrow(
      `${out}: the saved head config no longer fits head 'probe/classify': head.config.tag:`,
    );
  });
});

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointInto } from '../../io/checkpoint.js';
import { loadSafetensors, readSafetensorsHeader } from '../../io/safetensors.js';
import type { AnyModule } from '../../nn/module.js';
import { ADAPTER_FILES } from '../../peft/adapter-file.js';
import { crossEntropy } from '../../train/losses/cross-entropy.js';
import { definePlugin } from '../domain-plugin.js';
import { Head } from '../head.js';
import { createPeftkit } from '../peftkit-host.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { buildModel } from './build-model.js';
import { loadRun } from './load-run.js';
import { mergeRun } from './merge-run.js';
import { predictRun } from './predict-run.js';
import { trainRun } from './train-run.js';

/**
 * `basePath: ''`: a head whose model IS the base (HF's `T5ForConditionalGeneration`). The toy
 * MLP's hidden units serve as the class logits, so there is no head module at all.
 */
const wholeBaseHead: Head<unknown, tf.Tensor> = {
  id: 'toy/whole',
  task: 'classification',
  description: 'the base output is the logits',
  defaultMetrics: ['accuracy'],
  build: ({ base }) => ({ model: base, basePath: '', headPaths: [] }),
  // The first two hidden units are the two classes' logits.
  forward: (model, batch) => tf.slice(model.forward(...batch.inputs) as tf.Tensor, [0, 0], [-1, 2]),
  loss: (logits, batch) => crossEntropy(logits, batch.targets as tf.Tensor) as tf.Scalar,
  metricInputs: (logits, batch) => ({ predictions: tf.softmax(logits), targets: batch.targets as tf.Tensor }),
  async predict(logits, { labels }) {
    const rows = (await logits.array()) as number[][];
    return rows.map((r) => ({
      label: labels?.[r.indexOf(Math.max(...r))] ?? String(r.indexOf(Math.max(...r))),
    }));
  },
};

const wholePlugin = definePlugin({
  id: 'toy-whole',
  version: '0.0.1',
  domain: 'toy',
  description: 'a head with basePath ""',
  module: new ContainerModule(({ bind }) => {
    bind(Head).toConstantValue(wholeBaseHead);
  }),
});

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-root-base-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function host() {
  return createPeftkit({ plugins: [toyPlugin, wholePlugin] });
}

function config(h: Awaited<ReturnType<typeof host>>, peft?: unknown) {
  return resolveRunConfig({
    preset: h.presets.get('toy/basic'),
    layers: [
      {
        name: 'test',
        value: {
          head: { id: 'toy/whole' },
          training: { maxSteps: 6, lr: 5e-2 },
          ...(peft !== undefined ? { peft } : {}),
        },
      },
    ],
  }).config;
}

const weightsOf = (m: AnyModule) =>
  new Map([...m.namedParameters()].map(([k, p]) => [k, Array.from(p.value.dataSync())]));

describe("HeadedModel.basePath ''", () => {
  it('keeps the placement paths unrooted and refuses a model that is not the base', async () => {
    const h = await host();
    const c = config(h);
    const architecture = h.architectures.get('toy/mlp');
    const built = await buildModel({
      architecture,
      head: wholeBaseHead,
      headId: 'toy/whole',
      headConfig: undefined,
      labels: ['neg', 'pos'],
      modelConfig: { inFeatures: 2 },
    });
    expect(built.headed.basePath).toBe('');
    expect(built.placement.layers).toBe('layers');
    expect(built.placement.modelRoles.embed).toEqual(['input']);
    expect(built.placement.modelRoles.head).toBeUndefined();
    built.headed.model.dispose();
    const wrong: Head<unknown, tf.Tensor> = {
      ...wholeBaseHead,
      build: ({ base }) => ({
        model: new (base.constructor as new (c: unknown) => AnyModule)({
          inFeatures: 2,
          hidden: 8,
          layers: 2,
        }),
        basePath: '',
        headPaths: [],
      }),
    };
    await expect(
      buildModel({
        architecture,
        head: wrong,
        headId: 'toy/wrong',
        headConfig: undefined,
        labels: undefined,
        modelConfig: { inFeatures: 2 },
      }),
    ).rejects.toThrow(/basePath '' means the headed model is the base itself/);
    expect(c.head.id).toBe('toy/whole');
  });

  it('trains, saves HF PEFT keys without a base prefix, loads back exactly and merges into a base checkpoint', async () => {
    const h = await host();
    const out = path.join(tmp, 'lora');
    const r = await trainRun(h, { config: config(h), outDir: out, progress: 'none', log: () => {} });
    expect(r.kind).toBe('adapter');
    const keys = (await readSafetensorsHeader(path.join(out, ADAPTER_FILES.weights))).entries.map(
      (e) => e.name,
    );
    expect(keys.sort()).toEqual([
      'base_model.model.layers.0.up.lora_A.weight',
      'base_model.model.layers.0.up.lora_B.weight',
      'base_model.model.layers.1.up.lora_A.weight',
      'base_model.model.layers.1.up.lora_B.weight',
    ]);
    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, ADAPTER_FILES.config), 'utf8'));
    expect(adapterConfig.target_modules).toEqual(['up']);
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8'));
    expect(manifest.head).toMatchObject({ basePath: '', headPaths: [] });
    // The random base kept for the adapter is the whole model.
    expect(await fs.readdir(path.join(out, 'base'))).toEqual(
      expect.arrayContaining(['config.json', 'model.safetensors']),
    );

    const saved = await loadSafetensors(path.join(out, ADAPTER_FILES.weights));
    const run = await loadRun(h, out);
    const loaded = new Map(
      [...run.model.namedParameters()]
        .filter(([k]) => k.includes('lora_'))
        .map(([k, p]) => [k, Array.from(p.value.dataSync())]),
    );
    expect(loaded.size).toBe(4);
    for (const [k, t] of saved.tensors) {
      // base_model.model.layers.0.up.lora_A.weight -> model.layers.0.up.lora_A.default.weight
      const inner = k
        .replace('base_model.model.', '')
        .replace(/\.(lora_[AB])\.weight$/, '.$1.default.weight');
      const own = [...loaded.keys()].find((n) => n.endsWith(inner));
      expect(own, k).toBeDefined();
      // Same numbers (PyTorch [out, in] on file, [in, out] in memory: compare sorted values).
      expect([...(loaded.get(own as string) as number[])].sort()).toEqual([...t.dataSync()].sort());
    }
    for (const t of saved.tensors.values()) t.dispose();
    const [p] = await predictRun(run, ['1,1']);
    expect(['neg', 'pos']).toContain(p?.label);

    const merged = path.join(tmp, 'merged');
    await mergeRun(run, merged);
    const before = tf.tidy(
      () =>
        run.model.forward(
          tf.tensor2d([
            [0.5, -1],
            [2, 1],
          ]),
        ) as tf.Tensor,
    );
    run.model.dispose();
    // The merged directory is a plain base checkpoint of the whole model (no head file needed).
    const fresh = h.architectures.get('toy/mlp').build({ inFeatures: 2, hidden: 8, layers: 2 });
    await loadCheckpointInto(merged, fresh);
    const after = tf.tidy(
      () =>
        fresh.forward(
          tf.tensor2d([
            [0.5, -1],
            [2, 1],
          ]),
        ) as tf.Tensor,
    );
    expect(Array.from(after.dataSync())).toEqual(
      Array.from(before.dataSync()).map((v) => expect.closeTo(v, 5)),
    );
    const reloaded = await loadRun(h, merged);
    const [q] = await predictRun(reloaded, ['1,1']);
    expect(q?.label).toBe(p?.label);
    reloaded.model.dispose();
    fresh.dispose();
    before.dispose();
    after.dispose();
  });

  it('full training saves the whole model as the checkpoint and loads it back', async () => {
    const h = await host();
    const out = path.join(tmp, 'full');
    await trainRun(h, { config: config(h, 'full'), outDir: out, progress: 'none', log: () => {} });
    const run = await loadRun(h, out);
    const fresh = h.architectures.get('toy/mlp').build({ inFeatures: 2, hidden: 8, layers: 2 });
    await loadCheckpointInto(out, fresh);
    expect(weightsOf(run.model)).toEqual(weightsOf(fresh));
    run.model.dispose();
    fresh.dispose();
  });
});

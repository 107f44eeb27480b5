import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatchNorm1d } from '../nn/batch-norm.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { setSeed } from '../runtime/random.js';
import { type BaseCheckpointSpec, loadBaseCheckpoint } from './base-checkpoint.js';
import { saveCheckpoint } from './checkpoint.js';
import { saveSafetensors } from './safetensors-writer.js';
import { disposeAll, toTorchStateDict } from './torch-state-dict.js';

const configSchema = z.object({ model_type: z.literal('tiny'), hidden: z.number().int().positive() });
type TinyConfig = z.output<typeof configSchema>;

/** A two-part base (`dense`, `norm`) with an optional `pooler`, as HF bases have. */
class TinyBase extends Module {
  constructor(config: TinyConfig, pooler: boolean) {
    super();
    this.registerModule('dense', new Linear(3, config.hidden));
    this.registerModule('norm', new BatchNorm1d(config.hidden));
    if (pooler) this.registerModule('pooler', new Linear(config.hidden, config.hidden));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('norm').call(this.child('dense').call(x));
  }
}

const spec: BaseCheckpointSpec<TinyConfig> = {
  modelType: 'tiny',
  basePrefix: 'tiny',
  ignore: [/^dense\.position_ids$/],
  optional: [/\.num_batches_tracked$/],
  configSchema,
  build: (config, keys) => new TinyBase(config, keys.has('pooler.weight')),
};

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-base-ckpt-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Writes `model`'s PyTorch-layout tensors under `prefix`, plus `extra`, and a config. */
async function writeDir(
  name: string,
  model: Module,
  prefix: string,
  extra: Record<string, tf.Tensor>,
  config = {},
) {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir, { recursive: true });
  const sd = toTorchStateDict(model, { prefix });
  for (const [k, t] of Object.entries(extra)) sd.set(k, t);
  await saveSafetensors(path.join(dir, 'model.safetensors'), sd, { format: 'pt' });
  disposeAll(sd);
  await fs.writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({ model_type: 'tiny', hidden: 4, ...config }),
  );
  return dir;
}

const same = (a: Module, b: Module) =>
  [...a.stateDict()].every(([k, p]) => {
    const q = b.stateDict().get(k);
    return q !== undefined && Array.from(p.value.dataSync()).join() === Array.from(q.value.dataSync()).join();
  });

describe('loadBaseCheckpoint', () => {
  it('reads a bare base (keys unprefixed), builds what the file holds, and drops unknown config keys', async () => {
    setSeed(1);
    const src = new TinyBase({ model_type: 'tiny', hidden: 4 }, true);
    await saveCheckpoint(path.join(tmp, 'bare'), src, {
      model_type: 'tiny',
      hidden: 4,
      architectures: ['X'],
    });
    const before = tf.memory().numTensors;
    const { model, config, headTensors } = await loadBaseCheckpoint(path.join(tmp, 'bare'), spec);
    expect(config).toEqual({ model_type: 'tiny', hidden: 4 });
    expect(model.hasSubmodule('pooler')).toBe(true);
    expect(headTensors.size).toBe(0);
    expect(same(src, model)).toBe(true);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads a task checkpoint: base under the prefix, head keys returned, ignored buffers and optional keys handled', async () => {
    setSeed(2);
    const src = new TinyBase({ model_type: 'tiny', hidden: 4 }, false);
    const sd = toTorchStateDict(src, { prefix: 'tiny' });
    sd.delete('tiny.norm.num_batches_tracked'); // an old file without it
    sd.set('tiny.dense.position_ids', tf.tensor1d([0, 1, 2], 'int32'));
    sd.set('classifier.weight', tf.ones([2, 4]));
    sd.set('classifier.bias', tf.zeros([2]));
    const dir = path.join(tmp, 'task');
    await fs.mkdir(dir, { recursive: true });
    await saveSafetensors(path.join(dir, 'model.safetensors'), sd, { format: 'pt' });
    disposeAll(sd);
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'tiny', hidden: 4 }));
    const { model, headTensors } = await loadBaseCheckpoint(dir, spec);
    expect([...headTensors.keys()].sort()).toEqual(['classifier.bias', 'classifier.weight']);
    expect(headTensors.get('classifier.weight')?.shape).toEqual([2, 4]);
    expect(model.hasSubmodule('pooler')).toBe(false);
    expect(same(src, model)).toBe(true);
    expect(model.stateDict().get('norm.num_batches_tracked')?.value.dataSync()[0]).toBe(0);
    disposeAll(headTensors);
    model.dispose();
  });

  it('returns parts the base is built without (notBuilt) as head tensors; other stray keys are errors', async () => {
    const src = new TinyBase({ model_type: 'tiny', hidden: 4 }, true);
    const dir = await writeDir('pooled', src, '', {});
    const withoutPooler = { ...spec, build: (c: TinyConfig) => new TinyBase(c, false) };
    await expect(loadBaseCheckpoint(dir, withoutPooler)).rejects.toThrow(
      /unexpected keys \(2\):\s+pooler\.(weight|bias)\s+pooler\.(weight|bias)/,
    );
    const { model, headTensors } = await loadBaseCheckpoint(dir, {
      ...withoutPooler,
      notBuilt: [/^pooler\./],
    });
    expect([...headTensors.keys()].sort()).toEqual(['pooler.bias', 'pooler.weight']);
    disposeAll(headTensors);
    model.dispose();
  });

  it('refuses another model_type, names bad config fields, and names the directory and each bad tensor', async () => {
    const src = new TinyBase({ model_type: 'tiny', hidden: 4 }, false);
    const other = await writeDir('other', src, '', {}, { model_type: 'bert' });
    await expect(loadBaseCheckpoint(other, spec)).rejects.toThrow(
      `${other}/config.json: model_type is 'bert', expected 'tiny'`,
    );
    await expect(loadBaseCheckpoint(other, { ...spec, modelType: ['tiny', 'tinier'] })).rejects.toThrow(
      "expected 'tiny' or 'tinier'",
    );
    const bad = await writeDir('bad-config', src, '', {}, { hidden: -1 });
    await expect(loadBaseCheckpoint(bad, spec)).rejects.toThrow(`${bad}/config.json: hidden:`);
    const before = tf.memory().numTensors;
    const shape = await writeDir('bad-shape', src, '', {}, { hidden: 5 });
    await expect(loadBaseCheckpoint(shape, spec)).rejects.toThrow(
      new RegExp(
        `^${shape}: loadTorchStateDict\\(TinyBase\\) failed:[\\s\\S]*dense\\.weight: file has \\[4,3\\], expected PyTorch-layout \\[5,3\\]`,
      ),
    );
    const strict = await writeDir('unexpected', src, 'tiny', { 'tiny.dense.extra': tf.zeros([1]) });
    await expect(loadBaseCheckpoint(strict, spec)).rejects.toThrow(
      /unexpected keys \(1\):\s+tiny\.dense\.extra/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

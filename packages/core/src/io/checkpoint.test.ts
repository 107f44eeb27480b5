import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Module } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import { CHECKPOINT_FILES, loadCheckpoint, loadCheckpointInto, saveCheckpoint } from './checkpoint.js';
import { readSafetensorsHeader } from './safetensors.js';
import { saveSafetensors } from './safetensors-writer.js';
import { disposeAll } from './torch-state-dict.js';

class Tiny extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(seed: number) {
    super();
    this.weight = this.initParameter('weight', () => tf.randomNormal([3, 4], 0, 1, 'float32', seed), {
      layout: 'linear',
    });
    this.bias = this.initParameter('bias', () => tf.randomNormal([4], 0, 1, 'float32', seed + 1));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.add(tf.matMul(x, this.weight.value), this.bias.value);
  }
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-ckpt-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips config and weights in PyTorch layout', async () => {
    const src = new Tiny(1);
    const ckpt = path.join(dir, 'run', 'base');
    const config = { model_type: 'tiny', hidden_size: 4, nested: { a: [1, 2] } };
    const before = tf.memory().numTensors;
    await saveCheckpoint(ckpt, src, config, { metadata: { step: '10' } });
    expect(tf.memory().numTensors).toBe(before);

    expect((await fs.readdir(ckpt)).sort()).toEqual(['config.json', 'model.safetensors']);
    expect(await fs.readFile(path.join(ckpt, 'config.json'), 'utf8')).toBe(
      `${JSON.stringify(config, null, 2)}\n`,
    );
    const header = await readSafetensorsHeader(path.join(ckpt, CHECKPOINT_FILES.weights));
    expect(header.metadata).toEqual({ format: 'pt', step: '10' });
    expect(header.entries.find((e) => e.name === 'weight')!.shape).toEqual([4, 3]);

    const loaded = await loadCheckpoint(ckpt);
    expect(loaded.config).toEqual(config);
    expect(loaded.tensors.get('weight')!.shape).toEqual([4, 3]);
    disposeAll(loaded.tensors);

    const dst = new Tiny(7);
    const { report } = await loadCheckpointInto(ckpt, dst);
    expect(report.loaded.sort()).toEqual(['bias', 'weight']);
    expect(dst.weight.value.dataSync()).toEqual(src.weight.value.dataSync());
    expect(dst.bias.value.dataSync()).toEqual(src.bias.value.dataSync());
    expect(tf.memory().numTensors).toBe(before + 2);
    src.dispose();
    dst.dispose();
  });

  it('keeps other files, or replaces the directory wholesale with atomicDir', async () => {
    const m = new Tiny(1);
    await fs.writeFile(path.join(dir, 'tokenizer.json'), '{}');
    await saveCheckpoint(dir, m, {});
    expect((await fs.readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    await saveCheckpoint(dir, m, { v: 2 }, { atomicDir: true });
    expect((await fs.readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
    m.dispose();
  });

  it('a failing save keeps the previous checkpoint and leaves no temp files', async () => {
    const m = new Tiny(1);
    await saveCheckpoint(dir, m, { v: 1 });
    const weights = await fs.readFile(path.join(dir, CHECKPOINT_FILES.weights));
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    await expect(saveCheckpoint(dir, m, cyclic)).rejects.toThrow(/circular/i);
    expect(JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'))).toEqual({ v: 1 });
    expect(await fs.readFile(path.join(dir, CHECKPOINT_FILES.weights))).toEqual(weights);
    expect((await fs.readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
    m.dispose();
  });

  it('loadCheckpointInto reports mismatches with the directory name', async () => {
    const m = new Tiny(1);
    await saveCheckpoint(dir, m, {});
    class Other extends Module {
      constructor() {
        super();
        this.initParameter('weight', () => tf.zeros([3, 2]), { layout: 'linear' });
      }
      forward(x: tf.Tensor): tf.Tensor {
        return x;
      }
    }
    const other = new Other();
    await expect(loadCheckpointInto(dir, other)).rejects.toThrow(
      new RegExp(
        `${dir}[\\s\\S]*weight: file has \\[4,3\\], expected PyTorch-layout \\[2,3\\][\\s\\S]*unexpected keys \\(1\\):\\n {2}bias`,
      ),
    );
    m.dispose();
    other.dispose();
  });
});

describe('sharded checkpoints', () => {
  it('reads model.safetensors.index.json and its shards', async () => {
    const a = tf.tensor([[1, 2, 3]]);
    const b = tf.tensor([4, 5]);
    const c = tf.tensor([6], [1], 'int32');
    await saveSafetensors(
      path.join(dir, 'model-00001-of-00002.safetensors'),
      { 'l.a': a, 'l.b': b },
      { format: 'pt' },
    );
    await saveSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), { 'l.c': c }, { format: 'pt' });
    await fs.writeFile(path.join(dir, 'config.json'), '{"model_type": "x"}');
    await fs.writeFile(
      path.join(dir, CHECKPOINT_FILES.weightsIndex),
      JSON.stringify({
        metadata: { total_size: 24 },
        weight_map: {
          'l.a': 'model-00001-of-00002.safetensors',
          'l.b': 'model-00001-of-00002.safetensors',
          'l.c': 'model-00002-of-00002.safetensors',
        },
      }),
    );
    const loaded = await loadCheckpoint(dir);
    expect(loaded.config).toEqual({ model_type: 'x' });
    expect([...loaded.tensors.keys()].sort()).toEqual(['l.a', 'l.b', 'l.c']);
    expect(loaded.tensors.get('l.c')!.dtype).toBe('int32');
    expect(loaded.tensors.get('l.a')!.arraySync()).toEqual([[1, 2, 3]]);
    expect(loaded.metadata).toEqual({ format: 'pt' });
    disposeAll(loaded.tensors);

    await fs.rm(path.join(dir, 'model-00002-of-00002.safetensors'));
    const live = tf.memory().numTensors;
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /shard 'model-00002-of-00002\.safetensors' listed in model\.safetensors\.index\.json is missing/,
    );
    expect(tf.memory().numTensors).toBe(live);
    tf.dispose([a, b, c]);
  });

  it('rejects a key missing from its shard and shard paths outside the directory', async () => {
    const a = tf.tensor([1]);
    await saveSafetensors(path.join(dir, 's1.safetensors'), { a });
    await fs.writeFile(path.join(dir, 'config.json'), '{}');
    const index = path.join(dir, CHECKPOINT_FILES.weightsIndex);
    await fs.writeFile(index, JSON.stringify({ weight_map: { a: 's1.safetensors', b: 's1.safetensors' } }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /shard 's1\.safetensors'.*requested tensors not in file: b/,
    );
    await fs.writeFile(index, JSON.stringify({ weight_map: { a: '../evil.safetensors' } }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/shard '\.\.\/evil\.safetensors' lies outside/);
    await fs.writeFile(index, JSON.stringify({ weights: {} }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/index\.json: 'weight_map' must be an object/);
    a.dispose();
  });
});

describe('checkpoint errors', () => {
  it('a missing directory', async () => {
    await expect(loadCheckpoint(path.join(dir, 'nope'))).rejects.toThrow(
      /checkpoint .*nope: directory not found/,
    );
  });

  it('a missing config.json', async () => {
    await expect(loadCheckpoint(dir)).rejects.toThrow(/missing config\.json/);
  });

  it('invalid JSON names the file', async () => {
    await fs.writeFile(path.join(dir, 'config.json'), '{"a": 1,}');
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      new RegExp(`${path.join(dir, 'config.json')}: invalid JSON`.replaceAll('.', '\\.')),
    );
    await fs.writeFile(path.join(dir, 'config.json'), '[1]');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/config\.json: expected a JSON object, got an array/);
  });

  it('missing weights, with a hint for pickle files', async () => {
    await fs.writeFile(path.join(dir, 'config.json'), '{}');
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /missing weights: neither model\.safetensors nor model\.safetensors\.index\.json/,
    );
    await fs.writeFile(path.join(dir, 'pytorch_model.bin'), 'x');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/found pytorch_model\.bin/);
  });
});

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPlacement, fileSystemHandler, getPeftModel } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenStatsBatchNorm2d } from '../frozen-batch-norm.js';
import { loadTfjsCheckpoint, loadTfjsModel, saveTfjsCheckpoint, tfjsPlacement } from './imported.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-tfjs-'));
  const input = tf.input({ shape: [8, 8, 3] });
  let h = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv_a' })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn_a' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters: 6, kernelSize: 3, strides: 2, name: 'conv_b' })
    .apply(h) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 5, activation: 'softmax', name: 'predictions' })
    .apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  await model.save(fileSystemHandler(path.join(dir, 'cnn')));
  model.dispose();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('imported tfjs models', () => {
  it('derives conv/head/norm roles from layer types and freezes BatchNorm statistics', async () => {
    const { model, config } = await loadTfjsModel({ model_path: path.join(dir, 'cnn') });
    expect(config.roles).toEqual({ conv: ['conv_a', 'conv_b'], head: ['predictions'], norm: ['bn_a'] });
    expect(config.features).toBe(5);
    expect(model.getSubmodule('bn_a')).toBeInstanceOf(FrozenStatsBatchNorm2d);
    expect(checkPlacement(model, tfjsPlacement(config.roles!))).toEqual([]);
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, targetRoles: ['conv'] },
      { placement: tfjsPlacement(config.roles!) },
    );
    peft.train();
    const bn = model.getSubmodule('bn_a');
    const before = [...bn.namedBuffers()].map(([, p]) => Array.from(p.value.dataSync()));
    const y = peft.call(tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 101)) as tf.Tensor;
    expect(y.shape).toEqual([2, 5]);
    expect([...bn.namedBuffers()].map(([, p]) => Array.from(p.value.dataSync()))).toEqual(before);
    y.dispose();
    peft.dispose();
  });

  it('cuts the model at an output layer and round-trips through a checkpoint', async () => {
    const { model, config } = await loadTfjsModel({
      model_path: path.join(dir, 'cnn', 'model.json'),
      output_layer: 'pool',
    });
    expect(config.features).toBe(6);
    expect(config.roles?.head).toEqual([]);
    const x = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 102);
    const a = model.call(x);
    await saveTfjsCheckpoint(path.join(dir, 'ckpt'), model, config);
    const again = await loadTfjsCheckpoint(path.join(dir, 'ckpt'));
    const b = again.model.call(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    await expect(loadTfjsModel({ model_path: path.join(dir, 'cnn'), output_layer: 'nope' })).rejects.toThrow(
      "no layer 'nope'",
    );
    tf.dispose([x, a, b]);
    model.dispose();
    again.model.dispose();
  });
});

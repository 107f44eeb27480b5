import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkPlacement,
  crossEntropy,
  getPeftModel,
  loadSafetensors,
  type PeftModel,
  Rng,
  saveSafetensors,
  setSeed,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2d, linear, reshape4 } from '../testing/reference.js';
import { loadResNet, saveResNet } from './checkpoint.js';
import { type ResNetConfigInput, resnetConfig, resnetConfigSchema, resnetFeatures } from './config.js';
import { ResNet } from './model.js';
import { resnetPaths, resnetPlacement } from './placement.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-resnet-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

type Img = number[][][];
const BASIC: ResNetConfigInput = { block: 'basic', layers: [1, 1], width: 4, num_classes: 3 };
const BOTTLENECK: ResNetConfigInput = { block: 'bottleneck', layers: [1, 1], width: 2, num_classes: 3 };

/** Random torchvision-layout weights for every key of a model built from `cfg`. */
function torchWeights(cfg: ResNetConfigInput, rng: Rng): Map<string, { shape: number[]; values: number[] }> {
  const model = new ResNet(cfg);
  const out = new Map<string, { shape: number[]; values: number[] }>();
  for (const [k, p] of model.stateDict()) {
    const shape =
      p.layout === 'conv2d'
        ? [p.shape[3]!, p.shape[2]!, p.shape[0]!, p.shape[1]!]
        : p.layout === 'linear'
          ? [p.shape[1]!, p.shape[0]!]
          : p.shape;
    const n = shape.reduce((a, b) => a * b, 1);
    const gen = k.endsWith('running_var')
      ? () => 0.5 + rng.next()
      : k.endsWith('num_batches_tracked')
        ? () => 7
        : () => rng.normal(0, 0.4);
    out.set(k, { shape, values: Array.from({ length: n }, gen) });
  }
  model.dispose();
  return out;
}

/** torchvision ResNet in eval mode, in plain numbers on one NHWC image. */
function referenceForward(
  cfg: ResNetConfigInput,
  w: Map<string, { shape: number[]; values: number[] }>,
  x: Img,
): number[] {
  const c = resnetConfigSchema.parse(cfg);
  const v = (k: string) => w.get(k)!.values;
  const conv = (k: string, h: Img, stride: number, pad: number) =>
    conv2d(h, reshape4(v(k), w.get(k)!.shape), undefined, stride, pad);
  const bn = (k: string, h: Img) =>
    h.map((row) =>
      row.map((cell) =>
        cell.map(
          (val, ch) =>
            ((val - v(`${k}.running_mean`)[ch]!) / Math.sqrt(v(`${k}.running_var`)[ch]! + 1e-5)) *
              v(`${k}.weight`)[ch]! +
            v(`${k}.bias`)[ch]!,
        ),
      ),
    );
  const relu = (h: Img) => h.map((row) => row.map((cell) => cell.map((val) => Math.max(0, val))));
  const addImg = (a: Img, b: Img) =>
    a.map((row, i) => row.map((cell, j) => cell.map((val, ch) => val + b[i]![j]![ch]!)));
  const maxpool = (h: Img) => {
    const ho = Math.floor((h.length + 2 - 3) / 2) + 1;
    const wo = Math.floor((h[0]!.length + 2 - 3) / 2) + 1;
    return Array.from({ length: ho }, (_, i) =>
      Array.from({ length: wo }, (_, j) =>
        h[0]![0]!.map((_, ch) => {
          let m = Number.NEGATIVE_INFINITY;
          for (let dy = 0; dy < 3; dy++)
            for (let dx = 0; dx < 3; dx++) {
              const y = i * 2 + dy - 1;
              const xx = j * 2 + dx - 1;
              if (y >= 0 && y < h.length && xx >= 0 && xx < h[0]!.length) m = Math.max(m, h[y]![xx]![ch]!);
            }
          return m;
        }),
      ),
    );
  };
  let h = maxpool(relu(bn('bn1', conv('conv1.weight', x, 2, 3))));
  c.layers.forEach((n, k) => {
    for (let i = 0; i < n; i++) {
      const p = `layer${k + 1}.${i}`;
      const stride = i === 0 && k > 0 ? 2 : 1;
      let r: Img;
      if (c.block === 'basic') {
        r = relu(bn(`${p}.bn1`, conv(`${p}.conv1.weight`, h, stride, 1)));
        r = bn(`${p}.bn2`, conv(`${p}.conv2.weight`, r, 1, 1));
      } else {
        r = relu(bn(`${p}.bn1`, conv(`${p}.conv1.weight`, h, 1, 0)));
        r = relu(bn(`${p}.bn2`, conv(`${p}.conv2.weight`, r, stride, 1)));
        r = bn(`${p}.bn3`, conv(`${p}.conv3.weight`, r, 1, 0));
      }
      const id = w.has(`${p}.downsample.0.weight`)
        ? bn(`${p}.downsample.1`, conv(`${p}.downsample.0.weight`, h, stride, 0))
        : h;
      h = relu(addImg(r, id));
    }
  });
  const cells = h.flat();
  const pooled = cells[0]!.map((_, ch) => cells.reduce((s, cell) => s + cell[ch]!, 0) / cells.length);
  const fcW = v('fc.weight');
  const rows = resnetFeatures(c);
  return linear(
    [pooled],
    Array.from({ length: c.num_classes }, (_, o) => fcW.slice(o * rows, (o + 1) * rows)),
    v('fc.bias'),
  )[0]!;
}

async function writeTorchCheckpoint(
  name: string,
  cfg: ResNetConfigInput,
  w: Map<string, { shape: number[]; values: number[] }>,
) {
  const out = path.join(dir, name);
  await fs.mkdir(out, { recursive: true });
  const tensors = new Map(
    [...w].map(
      ([k, t]) =>
        [k, tf.tensor(t.values, t.shape, k.endsWith('num_batches_tracked') ? 'int32' : 'float32')] as const,
    ),
  );
  await saveSafetensors(path.join(out, 'model.safetensors'), tensors, { format: 'pt' });
  tf.dispose([...tensors.values()]);
  await fs.writeFile(
    path.join(out, 'config.json'),
    JSON.stringify({
      model_type: 'resnet',
      ...Object.fromEntries(
        Object.entries(resnetConfigSchema.parse(cfg)).map(([k, val]) => [
          k.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`),
          val,
        ]),
      ),
    }),
  );
  return out;
}

describe('ResNet', () => {
  const rng = new Rng(11);
  const image: Img = Array.from({ length: 16 }, () =>
    Array.from({ length: 16 }, () => [0, 1, 2].map(() => rng.normal())),
  );
  const input = () => tf.tensor4d(image.flat(2), [1, 16, 16, 3]);

  for (const [name, cfg] of [
    ['BasicBlock', BASIC],
    ['Bottleneck', BOTTLENECK],
  ] as const) {
    it(`loads a torchvision-layout ${name} checkpoint and matches a reference forward to 1e-4`, async () => {
      const w = torchWeights(cfg, rng);
      const ckpt = await writeTorchCheckpoint(name, cfg, w);
      const { model } = await loadResNet(ckpt);
      expect(model.training).toBe(false);
      const x = input();
      const y = model.call(x);
      const ref = referenceForward(cfg, w, image);
      Array.from(y.dataSync()).forEach((val, i) => {
        expect(Math.abs(val - ref[i]!)).toBeLessThan(1e-4);
      });
      // Save, load again: identical outputs; placement paths all exist.
      await saveResNet(path.join(dir, `${name}-again`), model);
      const again = await loadResNet(path.join(dir, `${name}-again`));
      const y2 = again.model.call(x);
      expect(Array.from(y2.dataSync())).toEqual(Array.from(y.dataSync()));
      expect(checkPlacement(model, resnetPlacement(model.config))).toEqual([]);
      const features = await loadResNet(ckpt, { dropClassifier: true });
      expect(features.ignored.sort()).toEqual(['fc.bias', 'fc.weight']);
      const f = features.model.call(x);
      expect(f.shape).toEqual([1, resnetFeatures(model.config)]);
      tf.dispose([x, y, y2, f]);
      for (const m of [model, again.model, features.model]) m.dispose();
    });
  }

  it('names standard depths, counts their paths, and builds resnet18 features', () => {
    const r18 = resnetConfig('resnet18');
    expect(resnetPaths(r18).conv).toHaveLength(20);
    expect(resnetPaths(resnetConfig('resnet50')).conv).toHaveLength(53);
    expect(resnetFeatures(resnetConfig('resnet50'))).toBe(2048);
    setSeed(1);
    const net = new ResNet({ ...BASIC, stem: 'small', num_channels: 1, num_classes: 0 });
    const y = net.call(tf.zeros([2, 12, 12, 1]));
    expect(y.shape).toEqual([2, 8]);
    y.dispose();
    net.dispose();
  });

  it('keeps BatchNorm statistics bit-identical under LoRA training; conv LoRA merges exactly', async () => {
    setSeed(2);
    const net = new ResNet(BASIC);
    const stats = () => [...net.namedBuffers()].map(([k, p]) => [k, Array.from(p.value.dataSync())] as const);
    const before = stats();
    const peft = getPeftModel(
      net,
      { peftType: 'LORA', r: 2, loraAlpha: 4, targetRoles: ['conv'] },
      { placement: resnetPlacement(net.config) },
    ) as PeftModel<[tf.Tensor], tf.Tensor>;
    peft.train();
    const trainable = peft.namedParameters({ trainableOnly: true });
    expect(trainable.every(([k]) => k.includes('lora_'))).toBe(true);
    const opt = tf.train.adam(0.05);
    const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 101);
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(peft.forward(x), y) as tf.Scalar,
        trainable.map(([, p]) => p.variable),
      );
      opt.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
      value.dispose();
      tf.dispose(Object.values(grads));
    }
    expect(stats()).toEqual(before);
    const bKey = trainable.find(([k]) => k.endsWith('layer1.0.conv1.lora_B.default.weight'))?.[1];
    expect(bKey && tf.max(tf.abs(bKey.value)).dataSync()[0]).toBeGreaterThan(0);

    // Saved keys are HF PEFT's, with PyTorch conv shapes.
    const out = path.join(dir, 'resnet-lora');
    await peft.savePretrained(out);
    const { tensors } = await loadSafetensors(path.join(out, 'adapter_model.safetensors'));
    expect(tensors.get('base_model.model.layer1.0.conv1.lora_A.weight')?.shape).toEqual([2, 4, 3, 3]);
    expect(tensors.get('base_model.model.layer2.0.downsample.0.lora_B.weight')?.shape).toEqual([8, 2, 1, 1]);
    tf.dispose([...tensors.values()]);

    peft.eval();
    const unmerged = peft.call(x);
    peft.merge();
    const merged = peft.call(x);
    expect(tf.max(tf.abs(tf.sub(merged, unmerged))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, y, unmerged, merged]);
    opt.dispose();
    peft.dispose();
  });

  it('updates BatchNorm statistics in full fine-tuning (parameters trainable)', () => {
    setSeed(3);
    const net = new ResNet(BASIC).train();
    const rm = net
      .getSubmodule('bn1')
      .namedOwnBuffers()
      .find(([k]) => k === 'running_mean')![1];
    const before = Array.from(rm.value.dataSync());
    tf.tidy(() => net.forward(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 102)));
    expect(Array.from(rm.value.dataSync())).not.toEqual(before);
    for (const p of net.parameters()) p.trainable = false;
    const frozen = Array.from(rm.value.dataSync());
    tf.tidy(() => net.forward(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 103)));
    expect(Array.from(rm.value.dataSync())).toEqual(frozen);
    net.dispose();
  });
});

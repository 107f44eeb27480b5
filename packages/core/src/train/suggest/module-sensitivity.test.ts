import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d } from '../../nn/conv2d.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { TinyBert } from '../../peft/testing/tiny-bert.js';
import { getRng, setSeed } from '../../runtime/random.js';
import { DataLoader } from '../data/data-loader.js';
import { arrayDataset } from '../data/dataset.js';
import { crossEntropy } from '../losses/cross-entropy.js';
import { type Batch, loaders } from '../trainer/testing/toy-task.js';
import { scoreModuleSensitivity } from './module-sensitivity.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const loss = (m: TinyBert, b: Batch): tf.Scalar =>
  crossEntropy(m.call(b.ids) as tf.Tensor, b.labels) as tf.Scalar;

function model(): TinyBert {
  setSeed(0);
  return new TinyBert();
}

const linearPaths = (m: TinyBert) =>
  [...m.namedModules()].filter(([p, x]) => x instanceof Linear && p !== 'classifier').map(([p]) => p);

describe('scoreModuleSensitivity', () => {
  it('a zeroed weight scores 0 and a shrunken one less than before; seeded, flat in tensors, leaves the model as it was', async () => {
    const m = model();
    const { train } = loaders({ n: 48, batchSize: 8 });
    const paths = linearPaths(m);
    const zeroed = 'encoder.layer.1.attention.self.value';
    const shrunk = 'encoder.layer.0.intermediate.dense';
    const before = await scoreModuleSensitivity({
      model: m,
      paths,
      batches: train,
      loss,
      maxBatches: 4,
      seed: 3,
    });
    expect(before.every((s) => s.score > 0)).toBe(true);
    (m.getSubmodule(zeroed) as Linear).weight.assign(tf.zeros([8, 8]));
    const w = (m.getSubmodule(shrunk) as Linear).weight;
    w.assign(tf.mul(w.value, 0.01));
    for (const [, p] of m.namedParameters()) p.trainable = false;
    m.train();
    const values = new Map(m.namedParameters().map(([p, x]) => [p, Array.from(x.value.dataSync())]));
    const rng = getRng().getState();
    const tensors = tf.memory().numTensors;
    const a = await scoreModuleSensitivity({ model: m, paths, batches: train, loss, maxBatches: 6, seed: 3 });
    expect(tf.memory().numTensors).toBe(tensors);
    const b = await scoreModuleSensitivity({ model: m, paths, batches: train, loss, maxBatches: 6, seed: 3 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(b).toEqual(a);
    const score = (r: typeof a, p: string) => r.find((s) => s.path === p)!.score;
    expect(score(a, zeroed)).toBe(0);
    expect(score(a, shrunk)).toBeLessThan(score(before, shrunk) / 5);
    // The same value projection in the other layer still matters.
    expect(score(a, 'encoder.layer.0.attention.self.value')).toBeGreaterThan(0);
    expect(a.find((s) => s.path === shrunk)).toMatchObject({ inFeatures: 8, outFeatures: 16 });
    // Frozen weights stay frozen, values, mode and RNG untouched, loader rewound.
    expect(m.namedParameters({ trainableOnly: true })).toHaveLength(0);
    for (const [p, x] of m.namedParameters()) expect(Array.from(x.value.dataSync())).toEqual(values.get(p));
    expect(m.training).toBe(true);
    expect(getRng().getState()).toEqual(rng);
    expect(train.getState()).toMatchObject({ epoch: 0, position: 0 });
    m.dispose();
  });

  it('refuses modules LoRA does not wrap and a non-positive batch count', async () => {
    const m = model();
    const { train } = loaders();
    await expect(
      scoreModuleSensitivity({
        model: m,
        paths: ['embeddings'],
        batches: train,
        loss,
        maxBatches: 1,
        seed: 0,
      }),
    ).rejects.toThrow(/embeddings is not a Linear, Embedding, Conv1d or Conv2d module \(got Embeddings\)/);
    await expect(
      scoreModuleSensitivity({
        model: m,
        paths: linearPaths(m),
        batches: train,
        loss,
        maxBatches: 0,
        seed: 0,
      }),
    ).rejects.toThrow(/maxBatches/);
    m.dispose();
  });
});

/** Holds one module; the tests' losses call it directly. */
class Holder extends Module<[tf.Tensor], tf.Tensor> {
  constructor(m: Module<[tf.Tensor], tf.Tensor>) {
    super();
    this.registerModule('m', m);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('m').forward(x);
  }
}

/** Batches of fixed tensors, in order. */
function fixedBatches<T>(rows: T[], batchSize: number, collate: (rows: T[]) => tf.Tensor) {
  return new DataLoader(arrayDataset(rows, 'fixed'), {
    batchSize,
    shuffle: false,
    collate,
    disposeBatch: (b: tf.Tensor) => b.dispose(),
  });
}

describe('scoreModuleSensitivity on an Embedding and a Conv2d', () => {
  it('an Embedding scores sum over seen rows of count * |E[v] * c|; rows the data never reaches count nothing', async () => {
    setSeed(5);
    const emb = new Embedding(6, 3);
    const model = new Holder(emb);
    const c = [0.5, -2, 1.5];
    // loss = sum_t E[ids_t] . c, so dL/dE[v] = count(v) * c.
    const loss = (m: Holder, ids: tf.Tensor) =>
      tf.tidy(() => tf.sum(tf.mul(m.forward(ids), tf.tensor1d(c))) as tf.Scalar);
    const batches = [
      [0, 1, 1, 4],
      [4, 4, 2, 0],
    ];
    const source = fixedBatches(batches, 1, (rows) => tf.tensor2d(rows, [1, 4], 'int32'));
    const score = async () =>
      (
        await scoreModuleSensitivity({ model, paths: ['m'], batches: source, loss, maxBatches: 2, seed: 0 })
      )[0]!;
    const hand = () => {
      const e = emb.weight.value.arraySync() as number[][];
      const perBatch = batches.map((ids) =>
        ids.reduce((s, v) => s + e[v]!.reduce((t, w, j) => t + Math.abs(w * c[j]!), 0), 0),
      );
      return (perBatch[0]! + perBatch[1]!) / 2;
    };
    const tensors = tf.memory().numTensors;
    const r = await score();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r).toMatchObject({ path: 'm', kind: 'Embedding', inFeatures: 6, outFeatures: 3 });
    expect(r.score).toBeCloseTo(hand(), 5);
    // Rows 3 and 5 appear in no batch: making them huge changes nothing.
    const w = emb.weight.value.arraySync() as number[][];
    w[3] = [100, -100, 100];
    w[5] = [-50, 50, 50];
    emb.weight.assign(tf.tensor2d(w));
    expect((await score()).score).toBeCloseTo(r.score, 5);
    // Row 4 (seen three times) does count.
    w[4] = w[4]!.map((x) => 10 * x);
    emb.weight.assign(tf.tensor2d(w));
    expect((await score()).score).toBeCloseTo(hand(), 4);
    expect((await score()).score).toBeGreaterThan(r.score);
    model.dispose();
  });

  it('a Conv2d scores sum |K * dL/dK| with dL/dK the correlation of the padded input and the upstream gradient', async () => {
    setSeed(6);
    const [B, H, W, I, O] = [2, 4, 3, 2, 3];
    const conv = new Conv2d(I, O, 3, { padding: 1 });
    const model = new Holder(conv);
    // loss = sum(conv(x) * g) for a fixed g, so the upstream gradient is g.
    const g = Array.from({ length: B * H * W * O }, (_, i) => Math.sin(1.3 * i + 0.2));
    const x = Array.from({ length: B * H * W * I }, (_, i) => Math.cos(0.7 * i));
    const loss = (m: Holder, batch: tf.Tensor) =>
      tf.tidy(() => tf.sum(tf.mul(m.forward(batch), tf.tensor4d(g, [B, H, W, O]))) as tf.Scalar);
    const source = fixedBatches([x], 1, (rows) => tf.tensor4d(rows[0]!, [B, H, W, I]));
    const [r] = await scoreModuleSensitivity({
      model,
      paths: ['m'],
      batches: source,
      loss,
      maxBatches: 1,
      seed: 0,
    });
    expect(r).toMatchObject({ kind: 'Conv2d', inFeatures: I, outFeatures: O });
    // Kernel HWIO; out[b, y, x, o] = sum_{kh, kw, i} in[b, y + kh - 1, x + kw - 1, i] * K[kh, kw, i, o] + bias.
    const k = conv.weight.value.dataSync();
    const at = (b: number, y: number, xx: number, i: number) =>
      y < 0 || y >= H || xx < 0 || xx >= W ? 0 : x[((b * H + y) * W + xx) * I + i]!;
    let hand = 0;
    for (let kh = 0; kh < 3; kh++)
      for (let kw = 0; kw < 3; kw++)
        for (let i = 0; i < I; i++)
          for (let o = 0; o < O; o++) {
            let grad = 0;
            for (let b = 0; b < B; b++)
              for (let y = 0; y < H; y++)
                for (let xx = 0; xx < W; xx++)
                  grad += at(b, y + kh - 1, xx + kw - 1, i) * g[((b * H + y) * W + xx) * O + o]!;
            hand += Math.abs(k[((kh * 3 + kw) * I + i) * O + o]! * grad);
          }
    expect(hand).toBeGreaterThan(0);
    expect(r!.score).toBeCloseTo(hand, 4);
    model.dispose();
  });
});

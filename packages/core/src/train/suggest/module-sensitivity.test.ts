import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d } from '../../nn/conv2d.js';
import { Embedding } from '../../nn/embedding.js';
import { normal } from '../../nn/init.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { getPeftModel } from '../../peft/peft-model.js';
import { TinyBert } from '../../peft/testing/tiny-bert.js';
import { getRng, setSeed } from '../../runtime/random.js';
import { DataLoader } from '../data/data-loader.js';
import { arrayDataset } from '../data/dataset.js';
import { valueAndGrads } from '../gradients.js';
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
  it('scales with the loss, is seeded, flat in tensors, and leaves the model, RNG and loader as they were', async () => {
    const m = model();
    const { train } = loaders({ n: 48, batchSize: 8 });
    const paths = linearPaths(m);
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
    expect(a.every((s) => s.score > 0)).toBe(true);
    // A gain in loss units: three times the loss, three times every score.
    const tripled = await scoreModuleSensitivity({
      model: m,
      paths,
      batches: train,
      loss: (x, batch) => tf.tidy(() => tf.mul(loss(x, batch), 3) as tf.Scalar),
      maxBatches: 6,
      seed: 3,
    });
    for (const [i, s] of tripled.entries()) expect(s.score / a[i]!.score).toBeCloseTo(3, 4);
    expect(a.find((s) => s.path === 'encoder.layer.0.intermediate.dense')).toMatchObject({
      inFeatures: 8,
      outFeatures: 16,
    });
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
  it('an Embedding scores sum over seen rows of ||mean dL/dE[v]||^2 / rms ||dL/dE[v]|| * sqrt(2 / pi), whatever the table holds; rows the data never reaches count nothing', async () => {
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
    const norm = Math.hypot(...c);
    // Counts per batch (batch 1, batch 2): token 0 (1, 1), 1 (2, 0), 2 (0, 1), 4 (1, 2). A row
    // counts ||mean||^2 / rms = mean(n)^2 / sqrt(mean(n^2)) * ||c||: token 0, seen in both
    // batches, counts more than token 1, seen twice in one.
    const rowValue = (n1: number, n2: number) => ((n1 + n2) / 2) ** 2 / Math.sqrt((n1 * n1 + n2 * n2) / 2);
    const rows = rowValue(1, 1) + rowValue(2, 0) + rowValue(0, 1) + rowValue(1, 2);
    const hand = rows * norm * Math.sqrt(2 / Math.PI);
    const tensors = tf.memory().numTensors;
    const r = await score();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r).toMatchObject({ path: 'm', kind: 'Embedding', inFeatures: 6, outFeatures: 3 });
    expect(r.score).toBeCloseTo(hand, 5);
    // The gain is the adapter's, not the table's: rewriting rows (seen or not) changes nothing.
    const w = emb.weight.value.arraySync() as number[][];
    w[3] = [100, -100, 100];
    w[4] = w[4]!.map((x) => 10 * x);
    emb.weight.assign(tf.tensor2d(w));
    expect((await score()).score).toBeCloseTo(r.score, 5);
    model.dispose();
  });

  it('a gradient that flips sign from batch to batch scores nothing (Adam would not move it), one batch of it does', async () => {
    setSeed(7);
    const model = new Holder(new Linear(4, 3));
    const x = tf.tensor2d([[1, -2, 0.5, 3]]);
    // Batch k's loss is sign_k * sum(y): a bias-like pull that reverses with the batch.
    const loss = (m: Holder, sign: tf.Tensor) =>
      tf.tidy(() => tf.mul(tf.sum(m.forward(x)), sign) as tf.Scalar);
    const source = fixedBatches([1, -1], 1, (rows) => tf.scalar(rows[0]!));
    const score = async (maxBatches: number) =>
      (await scoreModuleSensitivity({ model, paths: ['m'], batches: source, loss, maxBatches, seed: 0 }))[0]!
        .score;
    // One batch: per output unit ||dL/dW[:, o]|| = ||x||, three units.
    expect(await score(1)).toBeCloseTo(3 * Math.hypot(1, -2, 0.5, 3) * Math.sqrt(2 / (3 * Math.PI * 4)), 5);
    expect(await score(2)).toBeCloseTo(0, 6);
    model.dispose();
    x.dispose();
  });

  it('a Conv2d scores sum_o ||dL/dK[..., o]|| * sqrt(2 / (3 pi in k k)), dL/dK the correlation of the padded input and the upstream gradient', async () => {
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
    // out[b, y, x, o] = sum_{kh, kw, i} in[b, y + kh - 1, x + kw - 1, i] * K[kh, kw, i, o] + bias.
    const at = (b: number, y: number, xx: number, i: number) =>
      y < 0 || y >= H || xx < 0 || xx >= W ? 0 : x[((b * H + y) * W + xx) * I + i]!;
    let hand = 0;
    for (let o = 0; o < O; o++) {
      let sq = 0;
      for (let kh = 0; kh < 3; kh++)
        for (let kw = 0; kw < 3; kw++)
          for (let i = 0; i < I; i++) {
            let grad = 0;
            for (let b = 0; b < B; b++)
              for (let y = 0; y < H; y++)
                for (let xx = 0; xx < W; xx++)
                  grad += at(b, y + kh - 1, xx + kw - 1, i) * g[((b * H + y) * W + xx) * O + o]!;
            sq += grad * grad;
          }
      hand += Math.sqrt(sq) * Math.sqrt(2 / (3 * Math.PI * I * 9));
    }
    expect(hand).toBeGreaterThan(0);
    expect(r!.score).toBeCloseTo(hand, 4);
    model.dispose();
  });
});

describe('scoreModuleSensitivity is the first Adam step of a real LoRA adapter', () => {
  /** Mean over seeds of sum |dL/d(zero-init factor)| per unit of rank, on a fresh HF-init adapter. */
  function loraFirstStepGain(
    make: () => Module<[tf.Tensor], tf.Tensor>,
    factor: RegExp,
    r: number,
    loss: (m: Holder) => tf.Scalar,
  ): number {
    let total = 0;
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    for (const seed of seeds) {
      setSeed(100);
      const holder = new Holder(make());
      setSeed(seed);
      // alpha = r: scaling 1, so the factor's gradient is the unscaled one.
      const peft = getPeftModel(holder, { peftType: 'LORA', r, loraAlpha: r, targetModules: ['m'] });
      const named = peft.namedParameters({ trainableOnly: true });
      const g = tf.tidy(() => {
        const { value, grads } = valueAndGrads(named, () => loss(peft.model as Holder));
        value.dispose();
        const [path] = named.find(([p]) => factor.test(p))!;
        return tf.sum(tf.abs(grads.get(path)!));
      });
      total += g.dataSync()[0]! / r;
      g.dispose();
      peft.dispose();
    }
    return total / seeds.length;
  }

  /** Scores `make()`'s module on one batch and compares with the sampled gain of a real adapter. */
  async function expectClosedFormMatchesLora(
    make: () => Module<[tf.Tensor], tf.Tensor>,
    factor: RegExp,
    loss: (m: Holder) => tf.Scalar,
  ): Promise<void> {
    setSeed(100);
    const model = new Holder(make());
    const [s] = await scoreModuleSensitivity({
      model,
      paths: ['m'],
      batches: fixedBatches([0], 1, () => tf.scalar(0)),
      loss: (m) => loss(m),
      maxBatches: 1,
      seed: 0,
    });
    const sampled = loraFirstStepGain(make, factor, 16, loss);
    expect(Math.abs(sampled / s!.score - 1)).toBeLessThan(0.08);
    model.dispose();
  }

  it("a Linear: the closed form matches lora_B's first-step gradient under the real lora_A init (within sampling error)", async () => {
    const [B, I, O] = [4, 32, 24];
    setSeed(9);
    // Seeded draws (tf.randomNormal without a seed differs from run to run).
    const x = normal([B, I]);
    const up = normal([B, O]);
    const loss = (m: Holder) => tf.tidy(() => tf.sum(tf.mul(m.forward(x), up)) as tf.Scalar);
    await expectClosedFormMatchesLora(() => new Linear(I, O), /lora_B/, loss);
    tf.dispose([x, up]);
  });

  it("an Embedding: the closed form matches lora_embedding_A's first-step gradient under the real lora_embedding_B init", async () => {
    const [N, D] = [40, 24];
    const ids = tf.tensor2d([[1, 5, 5, 9, 30, 2, 2, 2]], [1, 8], 'int32');
    setSeed(8);
    const up = normal([1, 8, D]);
    const loss = (m: Holder) => tf.tidy(() => tf.sum(tf.mul(m.forward(ids), up)) as tf.Scalar);
    await expectClosedFormMatchesLora(() => new Embedding(N, D), /lora_embedding_A/, loss);
    tf.dispose([ids, up]);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Linear } from '../../nn/linear.js';
import { TinyBert } from '../../peft/testing/tiny-bert.js';
import { getRng, setSeed } from '../../runtime/random.js';
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

  it('refuses modules that are not Linear and a non-positive batch count', async () => {
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
    ).rejects.toThrow(/embeddings is not a Linear/);
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

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Linear } from '../../nn/linear.js';
import { getPeftModel } from '../../peft/peft-model.js';
import { TinyBert } from '../../peft/testing/tiny-bert.js';
import { getRng, setSeed } from '../../runtime/random.js';
import { crossEntropy } from '../losses/cross-entropy.js';
import type { NamedParameter } from '../param-groups.js';
import { type Batch, loaders } from '../trainer/testing/toy-task.js';
import { probeAttribution } from './probe-attribution.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const loss = (m: TinyBert, b: Batch): tf.Scalar =>
  crossEntropy(m.call(b.ids) as tf.Tensor, b.labels) as tf.Scalar;

/** TinyBert with a rank-4 LoRA on every encoder Linear; the adapter parameters grouped by module. */
function probed(): { m: TinyBert; groups: Map<string, NamedParameter[]>; others: NamedParameter[] } {
  setSeed(0);
  const m = new TinyBert();
  const paths = [...m.namedModules()]
    .filter(([p, x]) => x instanceof Linear && p !== 'classifier')
    .map(([p]) => p);
  getPeftModel(m, {
    peftType: 'LORA',
    r: 4,
    loraAlpha: 8,
    targetModules: paths,
    modulesToSave: ['classifier'],
  });
  const trainable = m.namedParameters({ trainableOnly: true });
  const groups = new Map(paths.map((p) => [p, trainable.filter(([n]) => n.startsWith(`${p}.`))]));
  const grouped = new Set([...groups.values()].flat().map(([n]) => n));
  return { m, groups, others: trainable.filter(([n]) => !grouped.has(n)) };
}

async function meanLoss(m: TinyBert, batches: Batch[]): Promise<number> {
  const v = tf.tidy(() => tf.mean(tf.stack(batches.map((b) => loss(m, b)))));
  const out = (await v.data())[0]!;
  v.dispose();
  return out;
}

describe('probeAttribution', () => {
  it('attributes to each module the first-order loss decrease its parameters caused, summing to the decrease', async () => {
    const { m, groups } = probed();
    // One fixed batch, small steps: the summed first-order terms track the real decrease.
    const { train } = loaders({ n: 8, batchSize: 8, shuffle: false });
    const batch: Batch[] = [];
    for await (const b of train) batch.push(b);
    train.reset();
    const before = await meanLoss(m, batch);
    const out = await probeAttribution({
      model: m,
      groups,
      others: [],
      batches: train,
      loss,
      steps: 10,
      lr: 1e-3,
      seed: 1,
    });
    const after = await meanLoss(m, batch);
    const total = [...out.values()].reduce((a, b) => a + b, 0);
    expect(before - after).toBeGreaterThan(0);
    expect(total / (before - after)).toBeGreaterThan(0.9);
    expect(total / (before - after)).toBeLessThan(1.1);
    expect([...out.keys()].sort()).toEqual([...groups.keys()].sort());
    for (const b of batch) train.disposeBatch(b);
    m.dispose();
  });

  it('gives a module whose output the loss ignores nothing, is seeded and flat in tensors, and restores mode, RNG and loader', async () => {
    const a = probed();
    const { train } = loaders({ n: 48, batchSize: 8 });
    // A group the loss never reaches: a Linear outside the model.
    const stray = new Linear(4, 4);
    stray.weight.trainable = true;
    const groups = new Map(a.groups);
    groups.set('stray', [['stray.weight', stray.weight] as const]);
    a.m.train();
    const rng = getRng().getState();
    const tensors = tf.memory().numTensors;
    const run = () =>
      probeAttribution({
        model: a.m,
        groups,
        others: a.others,
        batches: train,
        loss,
        steps: 5,
        lr: 1e-2,
        seed: 3,
      });
    const first = await run();
    // The optimizer's slots are freed with it; the parameters moved in place.
    expect(tf.memory().numTensors).toBe(tensors);
    expect(first.get('stray')).toBe(0);
    expect([...first.values()].filter((v) => v > 0).length).toBeGreaterThan(3);
    expect(a.m.training).toBe(true);
    expect(getRng().getState()).toEqual(rng);
    expect(train.getState()).toMatchObject({ epoch: 0, position: 0 });
    const b = probed();
    const second = await probeAttribution({
      model: b.m,
      groups: new Map([...b.groups, ['stray', [['stray.weight', stray.weight] as const]]]),
      others: b.others,
      batches: train,
      loss,
      steps: 5,
      lr: 1e-2,
      seed: 3,
    });
    expect(second).toEqual(first);
    await expect(
      probeAttribution({ model: b.m, groups, others: [], batches: train, loss, steps: 0, lr: 1e-2, seed: 3 }),
    ).rejects.toThrow(/steps must be a positive integer, got 0/);
    await expect(
      probeAttribution({
        model: b.m,
        groups: new Map(),
        others: [],
        batches: train,
        loss,
        steps: 2,
        lr: 1e-2,
        seed: 3,
      }),
    ).rejects.toThrow(/no candidate has a parameter to train/);
    stray.dispose();
    a.m.dispose();
    b.m.dispose();
  });
});

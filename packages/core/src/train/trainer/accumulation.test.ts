import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loaders, lossFn, makeModel, snapshotTrainable } from './testing/toy-task.js';
import { fit } from './trainer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function train(batchSize: number, accumulation: number, maxGradNorm: number | null) {
  const model = makeModel();
  const { train } = loaders({ n: 64, batchSize, shuffle: false });
  const norms: number[] = [];
  await fit({
    model,
    train,
    loss: lossFn,
    optimizer: { name: 'sgd', lr: 0.5 },
    gradientAccumulationSteps: accumulation,
    maxGradNorm,
    maxSteps: 2,
    progress: 'none',
    callbacks: [{ onStepEnd: (_s, logs) => void norms.push(logs.gradNorm) }],
  });
  return { weights: snapshotTrainable(model), norms };
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let d = 0;
  for (const [k, v] of a) for (let i = 0; i < v.length; i++) d = Math.max(d, Math.abs(v[i]! - b.get(k)![i]!));
  return d;
}

describe('gradient accumulation and clipping in fit', () => {
  it('4 accumulated micro-batches of 8 equal one batch of 32 (to 1e-5)', async () => {
    const micro = await train(8, 4, null);
    const whole = await train(32, 1, null);
    const initial = snapshotTrainable(makeModel());
    expect(maxDiff(whole.weights, initial)).toBeGreaterThan(1e-3); // it did train
    expect(maxDiff(micro.weights, whole.weights)).toBeLessThan(1e-5);
    for (let i = 0; i < micro.norms.length; i++) expect(micro.norms[i]).toBeCloseTo(whole.norms[i]!, 5);
  });

  it('clips the averaged gradient: with SGD lr 1 the update has global norm maxGradNorm', async () => {
    const model = makeModel();
    const before = snapshotTrainable(model);
    const { train } = loaders({ n: 32, batchSize: 8, shuffle: false });
    const norms: number[] = [];
    await fit({
      model,
      train,
      loss: lossFn,
      optimizer: { name: 'sgd', lr: 1 },
      gradientAccumulationSteps: 4,
      maxGradNorm: 0.01,
      maxSteps: 1,
      progress: 'none',
      callbacks: [{ onStepEnd: (_s, logs) => void norms.push(logs.gradNorm) }],
    });
    expect(norms[0]).toBeGreaterThan(0.01); // the raw norm is reported, and clipping was active
    let sq = 0;
    const after = snapshotTrainable(model);
    for (const [k, v] of before) for (let i = 0; i < v.length; i++) sq += (after.get(k)![i]! - v[i]!) ** 2;
    expect(Math.sqrt(sq)).toBeCloseTo(0.01, 6);
  });

  it('a short tail group at the end of an epoch is averaged over its own size', async () => {
    // 40 examples / batch 8 = 5 micro-batches per epoch; accumulation 4 -> steps of 4 and 1.
    const model = makeModel();
    const { train } = loaders({ n: 40, batchSize: 8, shuffle: false });
    const steps: number[] = [];
    const summary = await fit({
      model,
      train,
      loss: lossFn,
      gradientAccumulationSteps: 4,
      epochs: 2,
      progress: 'none',
      callbacks: [{ onStepEnd: (s) => void steps.push(s) }],
    });
    expect(summary.steps).toBe(4);
    expect(summary.epochs).toBe(2);
    expect(steps).toEqual([1, 2, 3, 4]);
  });
});

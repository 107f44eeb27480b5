import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TinyBert } from '../../peft/testing/tiny-bert.js';
import { setSeed } from '../../runtime/random.js';
import { crossEntropy } from '../losses/cross-entropy.js';
import { type Batch, loaders, lossFn, makeModel, snapshotTrainable } from '../trainer/testing/toy-task.js';
import { findLearningRate } from './find-lr.js';
import { lrCurveRows, lrCurveSparkline, lrCurveSvg } from './render-lr-curve.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function fullModel(): TinyBert {
  setSeed(0);
  return new TinyBert();
}

const fullLoss = (m: TinyBert, b: Batch): tf.Scalar =>
  crossEntropy(m.call(b.ids) as tf.Tensor, b.labels) as tf.Scalar;

describe('findLearningRate', () => {
  it('sweeps, picks an lr, and leaves parameters, tensors, RNG and loader as they were', async () => {
    const model = makeModel();
    const { train } = loaders({ n: 48, batchSize: 8 });
    const before = snapshotTrainable(model);
    const r0 = await findLearningRate({ model, train, loss: lossFn, steps: 40, minLr: 1e-5, maxLr: 10 });
    const tensors = tf.memory().numTensors;
    const r = await findLearningRate({ model, train, loss: lossFn, steps: 40, minLr: 1e-5, maxLr: 10 });
    expect(tf.memory().numTensors).toBe(tensors);
    // Seeded: the same sweep twice gives the same curve (also proves the restore was exact).
    expect(r.losses).toEqual(r0.losses);
    for (const [p, v] of snapshotTrainable(model)) expect(Array.from(v)).toEqual(Array.from(before.get(p)!));
    expect(train.getState()).toMatchObject({ epoch: 0, position: 0 });
    // Exponential: constant ratio between consecutive learning rates.
    expect(r.lrs[1]! / r.lrs[0]!).toBeCloseTo(r.lrs[2]! / r.lrs[1]!, 8);
    expect(r.lrs[0]).toBeCloseTo(1e-5, 12);
    expect(r.suggestion.lr).toBeGreaterThan(1e-5);
    expect(r.suggestion.lr).toBeLessThan(10);
    // Steepest descent lies before the minimum of the smoothed curve, and the loss still falls after it.
    const minAt = r.smoothed.indexOf(Math.min(...r.smoothed));
    expect(r.suggestion.index).toBeLessThanOrEqual(minAt);
    expect(r.smoothed[minAt]!).toBeLessThan(r.smoothed[r.suggestion.index]!);
    expect(lrCurveSvg(r)).toMatch(/^<svg[\s\S]*smoothed loss[\s\S]*chosen \d/);
    expect(lrCurveSparkline(r).split('\n')).toHaveLength(3);
    expect(lrCurveRows(r).length).toBeGreaterThanOrEqual(10);
    model.dispose();
  });

  it('stops when the loss diverges', async () => {
    const model = makeModel();
    const { train } = loaders({ n: 48, batchSize: 8 });
    const r = await findLearningRate({
      model,
      train,
      loss: lossFn,
      steps: 60,
      minLr: 1e-3,
      maxLr: 1e4,
      maxGradNorm: null,
      optimizer: { name: 'sgd' },
    });
    expect(r.stop).toBe('diverged');
    expect(r.lrs.length).toBeLessThan(60);
    model.dispose();
  });

  it('picks different learning rates for LoRA and full fine-tuning of the same model', async () => {
    const { train } = loaders({ n: 48, batchSize: 8 });
    const opts = { train, steps: 60, minLr: 1e-6, maxLr: 10 } as const;
    const lora = makeModel();
    const rl = await findLearningRate({ ...opts, model: lora, loss: lossFn });
    lora.dispose();
    const full = fullModel();
    const rf = await findLearningRate({ ...opts, model: full, loss: fullLoss });
    full.dispose();
    // Measured: LoRA ~9.6e-2, full ~4.2e-2. Updating every weight moves the function faster per
    // unit of lr, so full fine-tuning's curve falls (and breaks) at a lower lr than LoRA's.
    expect(rl.suggestion.rule).toBe('steepest');
    expect(rf.suggestion.rule).toBe('steepest');
    expect(rl.suggestion.lr).toBeGreaterThan(1.5 * rf.suggestion.lr);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerStepInfo, TrainingHooks } from '../../nn/training-hooks.js';
import { loaders, lossFn, makeModel, type TinyPeft } from './testing/toy-task.js';
import { fit } from './trainer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Wraps the toy PeftModel's hooks with a recorder (the Trainer sees only `TrainingHooks`). */
function recordingModel(extraLoss: number) {
  const model = makeModel();
  const seen = {
    begin: [] as (number | undefined)[],
    lossCalls: 0,
    steps: [] as number[],
    gradSizes: [] as number[],
  };
  const first = model.namedParameters({ trainableOnly: true })[0]![1];
  const hooks: TrainingHooks = {
    onTrainBegin: (info) => void seen.begin.push(info.totalSteps),
    trainingLoss: () => {
      seen.lossCalls += 1;
      return tf.scalar(extraLoss);
    },
    onOptimizerStep: (info: OptimizerStepInfo) => {
      seen.steps.push(info.step);
      seen.gradSizes.push(info.gradient(first)?.size ?? -1);
    },
  };
  Object.assign(model, hooks);
  return { model: model as TinyPeft, seen, firstSize: first.size };
}

describe('Trainer: the model training hooks', () => {
  it('calls onTrainBegin with the total steps, adds trainingLoss per micro-batch, hands each step its gradients', async () => {
    const { model, seen, firstSize } = recordingModel(5);
    const { train } = loaders({ n: 48, batchSize: 8 });
    const summary = await fit({
      model,
      train,
      loss: lossFn,
      maxSteps: 3,
      gradientAccumulationSteps: 2,
      progress: 'none',
    });
    expect(seen.begin).toEqual([3]);
    expect(seen.lossCalls).toBe(6);
    expect(seen.steps).toEqual([1, 2, 3]);
    expect(seen.gradSizes).toEqual([firstSize, firstSize, firstSize]);
    // The extra term is part of the trained (and logged) loss: the toy loss alone is below 5.
    expect(summary.finalTrainLoss).toBeGreaterThan(5);
  });
});

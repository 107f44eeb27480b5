import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../io/safetensors.js';
import { PeftModel } from '../../peft/peft-model.js';
import { TinyBert } from '../../peft/testing/tiny-bert.js';
import { setSeed } from '../../runtime/random.js';
import type { TrainSummary } from '../report/summary.js';
import { TrainingDivergedError } from './errors.js';
import {
  type Batch,
  loaders,
  lossFn,
  makeModel,
  snapshotTrainable,
  type TinyPeft,
  tempDir,
} from './testing/toy-task.js';
import { fit } from './trainer.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await tempDir('diverge');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The real loss until `badFrom` calls, then `poison(loss)`. */
function poisonedLoss(badFrom: number, poison: (l: tf.Scalar, m: TinyPeft) => tf.Scalar) {
  let calls = 0;
  return (m: TinyPeft, b: Batch): tf.Scalar => {
    calls += 1;
    const l = lossFn(m, b);
    return calls >= badFrom ? poison(l, m) : l;
  };
}

describe('divergence and crash safety', () => {
  it('a NaN loss stops with an error naming the step and the last good checkpoint, which stays loadable', async () => {
    const out = path.join(tmp, 'nan');
    const model = makeModel();
    const { train } = loaders();
    const run = fit({
      model,
      train,
      loss: poisonedLoss(5, (l) => tf.mul(l, Number.NaN)),
      maxSteps: 20,
      checkpointEvery: { steps: 2 },
      optimizer: { lr: 0.05 },
      outputDir: out,
      progress: 'none',
    });
    const last = path.join(out, 'checkpoints', 'last');
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as TrainingDivergedError).step).toBe(5);
    expect((err as Error).message).toMatch(/training diverged at step 5: loss is NaN/);
    expect((err as Error).message).toContain(`Last good checkpoint: ${last}`);

    // The bad update was not applied: the model still equals the step-4 weights of the checkpoint.
    const { tensors } = await loadSafetensors(path.join(last, 'trainable.safetensors'));
    const now = snapshotTrainable(model);
    for (const [k, v] of now) expect(Array.from(tensors.get(k)!.dataSync())).toEqual(Array.from(v));
    tf.dispose([...tensors.values()]);
    const state = JSON.parse(await fs.readFile(path.join(last, 'trainer_state.json'), 'utf8'));
    expect(state.step).toBe(4);

    setSeed(0);
    const reloaded = await PeftModel.fromPretrained(new TinyBert(), last);
    const x = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
    model.eval();
    const a = model.call(x);
    const b = reloaded.call(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);

    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary).toMatchObject({ reason: 'diverged', steps: 4 });
  });

  it('an infinite gradient with a finite loss is caught too', async () => {
    const model = makeModel();
    const { train } = loaders();
    const sqrtAtZero = (l: tf.Scalar, m: TinyPeft): tf.Scalar => {
      const w = m.namedParameters({ trainableOnly: true })[0]![1].variable;
      // d/du sqrt(u) at u = 0 is infinite (times 0: NaN); the value added is 0.
      return tf.add(l, tf.sum(tf.sqrt(tf.mul(w, 0)))) as tf.Scalar;
    };
    await expect(
      fit({ model, train, loss: poisonedLoss(3, sqrtAtZero), maxSteps: 5, progress: 'none' }),
    ).rejects.toThrow(/diverged at step 3: gradient norm is (NaN|Infinity).*No checkpoint was written yet/);
  });

  it('a crash while writing a checkpoint leaves the previous one intact', async () => {
    const out = path.join(tmp, 'crash-save');
    const model = makeModel();
    const { train } = loaders();
    let saves = 0;
    const run = fit({
      model,
      train,
      loss: lossFn,
      maxSteps: 10,
      checkpointEvery: { steps: 2 },
      outputDir: out,
      progress: 'none',
      saveAdapter: async (dir) => {
        saves += 1;
        await model.savePretrained(dir);
        if (saves === 2) throw new Error('disk full (simulated)');
      },
    });
    await expect(run).rejects.toThrow(/disk full/);
    const last = path.join(out, 'checkpoints', 'last');
    const state = JSON.parse(await fs.readFile(path.join(last, 'trainer_state.json'), 'utf8'));
    expect(state.step).toBe(2);
    // No half-written temp directories are left behind.
    expect(await fs.readdir(path.join(out, 'checkpoints'))).toEqual(['last']);
    // And it resumes.
    const fresh = makeModel();
    const resumed = await fit({
      model: fresh,
      train: loaders().train,
      loss: lossFn,
      maxSteps: 3,
      resumeFrom: out,
      progress: 'none',
    });
    expect(resumed).toMatchObject({ steps: 3, resumedFromStep: 2 });
  });
});

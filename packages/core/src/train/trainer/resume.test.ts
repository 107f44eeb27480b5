import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../../runtime/random.js';
import type { FitOptions } from './fit-options.js';
import {
  type Batch,
  evalStep,
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
  tmp = await tempDir('resume');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

class Killed extends Error {}

/**
 * One run configuration with everything that could break exactness switched on: dropout in the
 * adapter (RNG), shuffling (data order), a short tail accumulation group per epoch (batches of 8
 * over 44 examples = 6 batches, accumulation 4 -> steps of 4 and 2 micro-batches), a warmup +
 * cosine schedule, clipping, AdamW moments, and evaluation with early-stopping bookkeeping.
 */
function options(model: TinyPeft, outputDir: string): FitOptions<TinyPeft, Batch> {
  const { train, eval: ev } = loaders({ n: 44, batchSize: 8, prefetch: 2 });
  return {
    model,
    train,
    eval: ev,
    loss: lossFn,
    evalStep,
    metrics: ['accuracy'],
    earlyStopping: { metric: 'loss', mode: 'min', patience: 100 },
    optimizer: { name: 'adamw', lr: 0.03, weightDecay: 0.05 },
    schedule: { kind: 'cosine', warmupSteps: 2 },
    gradientAccumulationSteps: 4,
    maxGradNorm: 0.5,
    maxSteps: 10,
    evalEvery: { steps: 3 },
    checkpointEvery: { steps: 2 },
    seed: 7,
    outputDir,
    progress: 'none',
  };
}

function expectIdentical(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [k, v] of a) {
    // Bit-for-bit: compare the raw float32 arrays exactly.
    expect({ k, v: Array.from(b.get(k)!) }).toEqual({ k, v: Array.from(v) });
  }
}

describe('resume', () => {
  it('a run killed after step 7 and resumed from its step-6 checkpoint ends bit-identical', async () => {
    const reference = makeModel({ loraDropout: 0.3 });
    const refSummary = await fit(options(reference, path.join(tmp, 'uninterrupted')));
    expect(refSummary.steps).toBe(10);
    const expected = snapshotTrainable(reference);

    // The killed run: a callback throws after step 7's update, i.e. after the step-6 checkpoint
    // and with one step of work lost, as a kill would.
    const out = path.join(tmp, 'killed');
    const victim = makeModel({ loraDropout: 0.3 });
    const killOpts = options(victim, out);
    killOpts.callbacks = [
      {
        onStepEnd: (step) => {
          if (step === 7) throw new Killed('simulated kill');
        },
      },
    ];
    await expect(fit(killOpts)).rejects.toThrow(Killed);
    const state = JSON.parse(
      await fs.readFile(path.join(out, 'checkpoints', 'last', 'trainer_state.json'), 'utf8'),
    );
    expect(state.step).toBe(6);
    // 6 steps x (4 + 2) micro-batches... the train loader sits mid-epoch 3 after 6 steps.
    expect(state.dataOrder.train).toMatchObject({ epoch: 3, position: 0 });

    // "New process": fresh model (same base init), a different global RNG state, fresh loaders.
    setSeed(12345);
    const fresh = makeModel({ loraDropout: 0.3 });
    setSeed(999);
    const resumed = await fit({ ...options(fresh, out), resumeFrom: out });
    expect(resumed.steps).toBe(10);
    expect(resumed.resumedFromStep).toBe(6);
    expectIdentical(expected, snapshotTrainable(fresh));
    expect(resumed.finalMetrics).toEqual(refSummary.finalMetrics);
    expect(resumed.bestMetric).toEqual(refSummary.bestMetric);

    // metrics.jsonl holds each step once: lines after the checkpoint were dropped and re-logged.
    const lines = (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    const evalSteps = lines
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'eval')
      .map((r) => r.step);
    expect(evalSteps).toEqual([3, 6, 9, 10]);
  });

  it('stopping at maxSteps N then resuming to 2N equals 2N uninterrupted (mid-epoch stop)', async () => {
    const base = (model: TinyPeft, out: string, maxSteps: number): FitOptions<TinyPeft, Batch> => {
      const { train } = loaders({ n: 40, batchSize: 8, shuffle: true });
      return {
        model,
        train,
        loss: lossFn,
        optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
        maxSteps,
        seed: 3,
        outputDir: out,
        progress: 'none',
        checkpointEvery: { steps: 1000 },
      };
    };
    const ref = makeModel({ loraDropout: 0.2 });
    await fit(base(ref, path.join(tmp, 'sgd-ref'), 6));
    const out = path.join(tmp, 'sgd-split');
    await fit(base(makeModel({ loraDropout: 0.2 }), out, 3));
    const fresh = makeModel({ loraDropout: 0.2 });
    // maxSteps differs between the sessions: allowed (reported), since it does not change the path.
    await fit({ ...base(fresh, out, 6), resumeFrom: out });
    expectIdentical(snapshotTrainable(ref), snapshotTrainable(fresh));
  });

  it('refuses to resume with settings that change the trajectory, naming them', async () => {
    const out = path.join(tmp, 'strict');
    const { train } = loaders();
    await fit({ model: makeModel(), train, loss: lossFn, maxSteps: 2, outputDir: out, progress: 'none' });
    const again = loaders();
    await expect(
      fit({
        model: makeModel(),
        train: again.train,
        loss: lossFn,
        maxSteps: 4,
        optimizer: { lr: 0.5 },
        gradientAccumulationSteps: 2,
        outputDir: out,
        resumeFrom: out,
        progress: 'none',
      }),
    ).rejects.toThrow(/different settings \(gradientAccumulationSteps, optimizer\)/);
    await expect(
      fit({
        model: makeModel(),
        train: again.train,
        loss: lossFn,
        maxSteps: 4,
        resumeFrom: path.join(tmp, 'nope'),
      }),
    ).rejects.toThrow(/no trainer_state\.json/);
  });
});

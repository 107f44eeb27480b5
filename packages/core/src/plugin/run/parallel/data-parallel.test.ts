import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainerCallback } from '../../../train/trainer/callbacks.js';
import { createPeftkit, type PeftkitHost } from '../../peftkit-host.js';
import { resolveRunConfig } from '../../run-config/resolve.js';
import { toyPlugin } from '../../testing/toy-plugin.js';
import { trainRun } from '../train-run.js';
import failingHeadPlugin from './testing/worker-failing-head-plugin.js';

// Data-parallel training (training.workers: 2) on the toy plugin against the same run in one
// thread: same global batches, same seed, so the trained weights may differ only by float
// summation order.
const here = path.dirname(fileURLToPath(import.meta.url));
const entry = (rel: string) => path.join(here, rel);

let tmp: string;
let host: PeftkitHost;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-dp-'));
  host = await createPeftkit({
    plugins: [
      { plugin: toyPlugin, source: { entry: entry('../../testing/toy-plugin-module.ts') } },
      { plugin: failingHeadPlugin, source: { entry: entry('testing/worker-failing-head-plugin.ts') } },
    ],
  });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

type Weights = Map<string, Float32Array>;
let runs = 0;

async function train(
  training: Record<string, unknown>,
  extra: { peft?: unknown; head?: unknown; data?: unknown; resumeOf?: string; stopAfter?: number } = {},
) {
  const config = resolveRunConfig({
    preset: host.presets.get('toy/basic'),
    layers: [
      {
        name: 'test',
        value: {
          training: { schedule: 'constant', ...training },
          ...(extra.peft !== undefined ? { peft: extra.peft } : {}),
          ...(extra.head !== undefined ? { head: extra.head } : {}),
          ...(extra.data !== undefined ? { data: extra.data } : {}),
        },
      },
    ],
  }).config;
  const out = extra.resumeOf ?? path.join(tmp, `run-${runs++}`);
  const weights: Weights = new Map();
  const tensors: number[] = [];
  const controller = new AbortController();
  const capture: TrainerCallback = {
    onTrainBegin: (info) => {
      capture.onTrainEnd = () => {
        for (const [name, p] of info.model.namedParameters({ trainableOnly: true }))
          weights.set(name, p.variable.dataSync() as Float32Array);
      };
    },
    onStepEnd: (step) => {
      tensors.push(tf.memory().numTensors);
      if (step === extra.stopAfter) controller.abort(new Error('test stop'));
    },
  };
  const r = await trainRun(host, {
    config,
    outDir: out,
    progress: 'none',
    log: () => undefined,
    callbacks: [capture],
    signal: controller.signal,
    ...(extra.resumeOf ? { resumeFrom: out } : {}),
  });
  return { r, weights, tensors, out };
}

function expectSameWeights(a: Weights, b: Weights): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  let worst = 0;
  for (const [name, x] of a) {
    const y = b.get(name) as Float32Array;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs((x[i] as number) - (y[i] as number)));
      norm = Math.max(norm, Math.abs(x[i] as number));
    }
    worst = Math.max(worst, diff / Math.max(norm, 1e-12));
  }
  expect(worst).toBeLessThan(1e-5);
}

describe('training.workers', () => {
  it('full fine-tuning: 2 workers train to the weights of one thread', async () => {
    const one = await train({ workers: 1 }, { peft: 'full' });
    const two = await train({ workers: 2 }, { peft: 'full' });
    expect(two.r.summary.workers).toBe(2);
    expectSameWeights(one.weights, two.weights);
  });

  it('uneven shards and an epoch tail of one example, with gradient accumulation', async () => {
    // 41 training rows (toy:48 minus the eval split) in batches of 5: shards 3 + 2, and a last batch
    // of fewer examples than ranks leaves the worker without a shard.
    const training = { batchSize: 5, gradientAccumulation: 2, epochs: 2, maxSteps: 1000 };
    const data = { train: 'toy:48', evalFraction: 0.15 };
    const one = await train({ ...training, workers: 1 }, { data });
    const two = await train({ ...training, workers: 2 }, { data });
    expect(two.r.summary.steps).toBe(one.r.summary.steps);
    expect(two.r.summary.steps).toBeGreaterThan(4);
    expectSameWeights(one.weights, two.weights);
  });

  it('LoRA: 2 workers train to the weights of one thread; main-thread tensors stay flat', async () => {
    const one = await train({ workers: 1 });
    const two = await train({ workers: 2 });
    expect(two.r.summary.workers).toBe(2);
    expect(one.r.summary.workers).toBe(1);
    expect(two.r.summary.steps).toBe(4);
    expectSameWeights(one.weights, two.weights);
    expect(two.r.summary.finalTrainLoss).toBeCloseTo(one.r.summary.finalTrainLoss as number, 5);
    // No tensor of the exchange is left behind in the main thread: the counts match one thread's.
    expect(two.tensors).toEqual(one.tensors);
    expect(two.tensors.length).toBe(4);
  });
});

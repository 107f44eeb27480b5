import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalStep, loaders, lossFn, makeModel, tempDir } from './testing/toy-task.js';
import { fit } from './trainer.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await tempDir('memory');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('tensor memory', () => {
  it('numTensors is constant across 200 steps (eval, checkpoints, dropout, prefetch) and restored after', async () => {
    const model = makeModel({ loraDropout: 0.1 });
    const { train, eval: ev } = loaders({ n: 48, batchSize: 8, prefetch: 2 });
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await fit({
      model,
      train,
      eval: ev,
      loss: lossFn,
      evalStep,
      metrics: ['accuracy', 'precision_recall_f1'],
      maxSteps: 200,
      evalEvery: { steps: 50 },
      checkpointEvery: { steps: 100 },
      outputDir: path.join(tmp, 'run'),
      logEvery: 20,
      progress: 'none',
      callbacks: [{ onStepEnd: () => void counts.push(tf.memory().numTensors) }],
    });
    // 6 batches per epoch: every 6th step sits at the same place in an epoch, so the number of
    // prefetched batches alive is the same; anything else growing is a leak.
    for (let phase = 0; phase < 6; phase++) {
      const atPhase = counts.filter((_, i) => i % 6 === phase);
      expect(new Set(atPhase).size).toBe(1);
    }
    // At most `prefetch` batches (2 tensors each) are in flight besides the one being trained.
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(4);
    expect(counts).toHaveLength(200);
    expect(tf.memory().numTensors).toBe(before);
  });
});

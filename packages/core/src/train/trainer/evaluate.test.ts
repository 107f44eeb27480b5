import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module } from '../../nn/module.js';
import { DataLoader } from '../data/data-loader.js';
import { arrayDataset } from '../data/dataset.js';
import { createMetric } from '../metrics/registry.js';
import { evaluate } from './evaluate.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Returns its input: the "model" outputs are the scores in the batch. */
class Passthrough extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.clone(x);
  }
}

interface Row {
  scores: number[];
  labels: number[];
}
interface Batch {
  scores: tf.Tensor2D;
  labels: tf.Tensor2D;
}

describe('evaluate with multi-label targets', () => {
  it('hands [N, K] target tensors to the metrics as rows, with the eval step thresholds', async () => {
    const rows: Row[] = [
      { scores: [0.9, 0.2], labels: [1, 0] },
      { scores: [0.35, 0.7], labels: [1, 1] },
      { scores: [0.1, 0.6], labels: [0, 0] },
    ];
    const loader = new DataLoader<Row, Batch>(arrayDataset(rows, 'multi'), {
      batchSize: 2,
      collate: (ex) => ({
        scores: tf.tensor2d(ex.map((e) => e.scores)),
        labels: tf.tensor2d(ex.map((e) => e.labels)),
      }),
    });
    const before = tf.memory().numTensors;
    const run = (thresholds?: number[]) =>
      evaluate<Passthrough, Batch>({
        model: new Passthrough(),
        loader,
        loss: () => tf.scalar(0),
        evalStep: (m, b) => ({
          predictions: m.call(b.scores),
          targets: b.labels,
          ...(thresholds ? { thresholds } : {}),
        }),
        metrics: ['subset_accuracy', 'hamming_loss', 'multilabel_auroc'].map((n) => createMetric(n)),
      });
    // At [0.3, 0.65] every decision is right.
    const tuned = await run([0.3, 0.65]);
    expect(tuned['subset_accuracy']).toBe(1);
    expect(tuned['hamming_loss']).toBe(0);
    expect(tuned['multilabel_auroc.macro']).toBe(1);
    expect(tuned['multilabel_auroc.skipped']).toBe(0);
    // At the default 0.5, row 1 label 0 (0.35) and row 2 label 1 (0.6) are wrong.
    const plain = await run();
    expect(plain['subset_accuracy']).toBeCloseTo(1 / 3, 12);
    expect(plain['hamming_loss']).toBeCloseTo(2 / 6, 12);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('evaluate with sequence predictions', () => {
  it("hands the eval step's decode function to every metric with the id rows", async () => {
    const rows: Row[] = [
      { scores: [1, 2], labels: [1, 2] },
      { scores: [3, 0], labels: [3, 1] },
    ];
    const loader = new DataLoader<Row, Batch>(arrayDataset(rows, 'seq'), {
      batchSize: 2,
      collate: (ex) => ({
        scores: tf.tensor2d(
          ex.map((e) => e.scores),
          undefined,
          'int32',
        ),
        labels: tf.tensor2d(
          ex.map((e) => e.labels),
          undefined,
          'int32',
        ),
      }),
    });
    const seen: string[] = [];
    const spy = {
      name: 'exact_text',
      update(p: unknown, t: unknown, context?: { decode?: (row: ArrayLike<number>) => string }) {
        const decode = context?.decode;
        if (!decode) throw new Error('no decode in the update context');
        (p as number[][]).forEach((row, i) => {
          seen.push(`${decode(row)}|${decode((t as number[][])[i] as number[])}`);
        });
      },
      compute: () => seen.length,
      reset: () => {
        seen.length = 0;
      },
    };
    const letters = (row: ArrayLike<number>) => Array.from(row, (i) => 'abcd'[i]).join('');
    const out = await evaluate<Passthrough, Batch>({
      model: new Passthrough(),
      loader,
      loss: () => tf.scalar(0),
      evalStep: (m, b) => ({ predictions: m.call(b.scores), targets: b.labels, decode: letters }),
      metrics: [spy],
    });
    expect(out['exact_text']).toBe(2);
    expect(seen).toEqual(['bc|bc', 'da|db']);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import type { ModelBatch } from '../../preprocessor.js';
import { disposeShard, fromWire, localShard, wireShard } from './shard-batch.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function batch(): ModelBatch {
  return {
    inputs: [
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      { mask: tf.tensor1d([1, 1, 0], 'int32'), scale: 2 },
      tf.tensor1d([9, 9]),
    ],
    targets: tf.tensor1d([0, 1, 2], 'int32'),
    size: 3,
  };
}

it('cuts batch-major tensors, shares everything else, and keeps the structure across the wire', async () => {
  const b = batch();
  const before = tf.memory().numTensors;
  const { wire, transfer } = wireShard(b, 1, 2);
  expect(transfer.length).toBe(4);
  const back = fromWire(wire) as ModelBatch;
  const local = localShard(b, 1, 2);
  for (const s of [back, local]) {
    expect(s.size).toBe(2);
    const [x, opts, shared] = s.inputs as [tf.Tensor, { mask: tf.Tensor; scale: number }, tf.Tensor];
    expect(await x.array()).toEqual([
      [3, 4],
      [5, 6],
    ]);
    expect(await opts.mask.array()).toEqual([1, 0]);
    expect(opts.mask.dtype).toBe('int32');
    expect(opts.scale).toBe(2);
    // Not batch-major (2 values for 3 examples): shared whole.
    expect(await shared.array()).toEqual([9, 9]);
    expect(await (s.targets as tf.Tensor).array()).toEqual([1, 2]);
  }
  disposeShard(back);
  disposeShard(local);
  expect(tf.memory().numTensors).toBe(before);
  disposeShard(b);
});

it('names a batch field that cannot cross to a worker', () => {
  const b = { inputs: [() => 1], size: 1 } as unknown as ModelBatch;
  expect(() => wireShard(b, 0, 1)).toThrow(/batch field batch\.inputs\[0\] is a function/);
});

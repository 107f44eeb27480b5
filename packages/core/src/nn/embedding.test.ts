import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Embedding } from './embedding.js';
import { useCpu } from './testing/references.js';

beforeAll(useCpu);

describe('Embedding', () => {
  it('looks up rows for int32 ids of any shape', () => {
    const emb = new Embedding(6, 3);
    const ids = tf.tensor3d([0, 5, 2, 2, 1, 4], [1, 2, 3], 'int32');
    const y = emb.call(ids);
    expect(y.shape).toEqual([1, 2, 3, 3]);
    const w = emb.weight.value.arraySync() as number[][];
    const rows = [0, 5, 2, 2, 1, 4].flatMap((i) => w[i] as number[]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(Float32Array.from(rows)));
    tf.dispose([ids, y]);
    emb.dispose();
  });

  it('rejects non-int32 ids with a clear error', () => {
    const emb = new Embedding(4, 2);
    expect(() => emb.call(tf.tensor1d([1, 2]))).toThrow(/Embedding\.forward: ids must be int32, got float32/);
    emb.dispose();
  });

  it('the padding row gets no gradient, other used rows do', () => {
    const emb = new Embedding(5, 2, { paddingIdx: -1 }); // normalised to 4
    expect(emb.paddingIdx).toBe(4);
    emb.weight.assign(tf.ones([5, 2])); // a non-zero padding row, as a checkpoint may hold
    const ids = tf.tensor2d([1, 4, 4, 2], [2, 2], 'int32');
    const out = emb.call(ids);
    // The value of the padding row is still returned.
    expect(Array.from(out.dataSync())).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    const { grads } = tf.variableGrads(() => tf.sum(emb.call(ids)) as tf.Scalar, [emb.weight.variable]);
    const g = grads[emb.weight.variable.name]?.arraySync() as number[][];
    expect(g).toEqual([
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
      [0, 0],
    ]);
    tf.dispose([ids, out, ...Object.values(grads)]);
    emb.dispose();
  });

  it('without paddingIdx every looked-up row gets gradient', () => {
    const emb = new Embedding(3, 1);
    const ids = tf.tensor1d([2, 2, 0], 'int32');
    const { grads } = tf.variableGrads(() => tf.sum(emb.call(ids)) as tf.Scalar, [emb.weight.variable]);
    expect(Array.from(grads[emb.weight.variable.name]?.dataSync() ?? [])).toEqual([1, 0, 2]);
    tf.dispose([ids, ...Object.values(grads)]);
    emb.dispose();
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow(
      /paddingIdx must be an integer in \[-3, 3\)/,
    );
  });
});

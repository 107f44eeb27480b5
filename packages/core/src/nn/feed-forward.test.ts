import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setSeed } from '../runtime/random.js';
import { FeedForward } from './feed-forward.js';
import { Linear } from './linear.js';
import { erf, expectClose, randomTensor, useCpu } from './testing/references.js';

beforeAll(useCpu);

/** `x @ W + b` with `W` in memory layout `[in, out]`, in float64. */
function affine(x: number[][], lin: Linear): number[][] {
  const w = lin.weight.value.arraySync() as number[][];
  const b = (lin.bias?.value.arraySync() as number[]) ?? [];
  return x.map((row) =>
    (w[0] as number[]).map((_, o) =>
      row.reduce((acc, v, i) => acc + v * ((w[i] as number[])[o] as number), b[o] ?? 0),
    ),
  );
}

describe('FeedForward', () => {
  it('computes down(act(up(x))) with the erf GELU by default, under fc1/fc2', () => {
    setSeed(1);
    const ffn = new FeedForward(4, 8).eval();
    expect(ffn.namedChildren().map(([n]) => n)).toEqual(['fc1', 'fc2']);
    const x = randomTensor([3, 4], 2);
    const up = affine(x.arraySync() as number[][], ffn.getSubmodule('fc1') as Linear);
    const act = up.map((r) => r.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    const expected = affine(act, ffn.getSubmodule('fc2') as Linear);
    expectClose(ffn.call(x).dataSync(), expected.flat(), 1e-5);
    ffn.dispose();
  });

  it('takes HF names: dropout and activation children only when named, in registration order', () => {
    const distil = new FeedForward(4, 8, {
      activation: 'relu',
      dropout: 0.2,
      names: { up: 'lin1', down: 'lin2', outputDropout: 'dropout' },
    });
    expect(distil.namedChildren().map(([n]) => n)).toEqual(['lin1', 'lin2', 'dropout']);
    const w2v = new FeedForward(4, 8, {
      activationDropout: 0.1,
      names: {
        up: 'intermediate_dense',
        down: 'output_dense',
        activation: 'intermediate_act_fn',
        activationDropout: 'intermediate_dropout',
        outputDropout: 'output_dropout',
      },
    });
    expect(w2v.namedChildren().map(([n]) => n)).toEqual([
      'intermediate_dense',
      'intermediate_act_fn',
      'intermediate_dropout',
      'output_dense',
      'output_dropout',
    ]);
    expect([...w2v.stateDict().keys()]).toEqual([
      'intermediate_dense.weight',
      'intermediate_dense.bias',
      'output_dense.weight',
      'output_dense.bias',
    ]);
    distil.dispose();
    w2v.dispose();
  });

  it('reads children by name on every call, so a replaced projection is used', () => {
    setSeed(3);
    const ffn = new FeedForward(4, 8, { activation: 'relu' }).eval();
    const x = randomTensor([2, 4], 4);
    const before = ffn.call(x);
    const zero = new Linear(8, 4);
    zero.weight.assign(tf.zeros([8, 4]));
    zero.bias?.assign(tf.ones([4]));
    ffn.setSubmodule('fc2', zero);
    expect(Array.from(ffn.call(x).dataSync())).toEqual(new Array(8).fill(1));
    expect(Array.from(before.dataSync())).not.toEqual(new Array(8).fill(1));
    ffn.dispose();
  });

  it('functional dropouts are seeded and off in eval; a custom linear factory builds the projections', () => {
    class FileLayoutLinear extends Linear {
      constructor(i: number, o: number) {
        super(i, o, { weightLayout: 'identity' });
      }
    }
    const ffn = new FeedForward(4, 8, {
      dropout: 0.5,
      activationDropout: 0.5,
      linear: (i, o) => new FileLayoutLinear(i, o),
    });
    expect(ffn.getSubmodule('fc1')).toBeInstanceOf(FileLayoutLinear);
    expect(ffn.namedChildren()).toHaveLength(2);
    const x = randomTensor([2, 4], 5);
    setSeed(9);
    const a = ffn.call(x);
    setSeed(9);
    const b = ffn.call(x);
    const c = ffn.call(x);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    ffn.eval();
    expect(Array.from(ffn.call(x).dataSync())).toEqual(Array.from(ffn.call(x).dataSync()));
    expect(() => new FeedForward(4, 8, { dropout: 2 })).toThrow(
      'FeedForward: dropout must be in [0, 1], got 2',
    );
    ffn.dispose();
  });
});

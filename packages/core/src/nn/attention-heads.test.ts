import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attendHeads,
  mergeHeads,
  multiHeadContext,
  splitHeads,
  splitHeadsTransposed,
} from './attention-heads.js';
import {
  additivePaddingMask,
  causalMask,
  extendMaskForPrefix,
  MASKED_SCORE,
  prependVirtualTokens,
} from './attention-mask.js';
import { expectClose, randomTensor, useCpu } from './testing/references.js';

beforeAll(useCpu);

type Matrix = number[][];

/**
 * Multi-head attention by definition, in float64, for one batch element: per head h,
 * `softmax(scale * q_h k_h^T + mask) v_h`, written from the formula (no tfjs op involved).
 * `mask[i][j]` is the additive mask of query i and key j.
 */
function reference(q: Matrix, k: Matrix, v: Matrix, heads: number, scale: number, mask: Matrix): Matrix {
  const e = (q[0] as number[]).length;
  const d = e / heads;
  return q.map((qi, i) => {
    const out = new Array<number>(e).fill(0);
    for (let h = 0; h < heads; h++) {
      const s = k.map((kj, j) => {
        let dot = 0;
        for (let c = h * d; c < (h + 1) * d; c++) dot += (qi[c] as number) * (kj[c] as number);
        return dot * scale + ((mask[i] as number[])[j] as number);
      });
      const m = Math.max(...s);
      const w = s.map((z) => Math.exp(z - m));
      const z = w.reduce((a, b) => a + b, 0);
      for (let c = h * d; c < (h + 1) * d; c++) {
        out[c] = w.reduce((acc, wj, j) => acc + (wj / z) * ((v[j] as number[])[c] as number), 0);
      }
    }
    return out;
  });
}

describe('multiHeadContext', () => {
  const [B, T, E, H, P] = [2, 4, 6, 3, 2];

  it('matches the definition with a padding mask, a prefix every query sees, and a custom scale', () => {
    const q = randomTensor([B, T, E], 1);
    const k = randomTensor([B, T, E], 2);
    const v = randomTensor([B, T, E], 3);
    const prefix = { key: randomTensor([B, P, E], 4), value: randomTensor([B, P, E], 5) };
    const keep = [
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ];
    const mask = additivePaddingMask(tf.tensor2d(keep, [B, T], 'int32'), 'test');
    const y = multiHeadContext(q, k, v, { numHeads: H, mask, prefix, scale: 0.7 });
    expect(y.shape).toEqual([B, T, E]);
    const arr = (t: tf.Tensor) => t.arraySync() as number[][][];
    const expected = arr(q).flatMap((qb, b) => {
      const kb = [...(arr(prefix.key)[b] as Matrix), ...(arr(k)[b] as Matrix)];
      const vb = [...(arr(prefix.value)[b] as Matrix), ...(arr(v)[b] as Matrix)];
      const m = qb.map(() => [
        ...new Array<number>(P).fill(0),
        ...(keep[b] as number[]).map((x) => (x ? 0 : -1e9)),
      ]);
      return reference(qb, kb, vb, H, 0.7, m).flat();
    });
    expectClose(y.dataSync(), expected, 1e-5);
  });

  it('defaults the scale to 1/sqrt(headDim) and runs without a mask', () => {
    const q = randomTensor([1, T, E], 6);
    const k = randomTensor([1, T, E], 7);
    const v = randomTensor([1, T, E], 8);
    const y = multiHeadContext(q, k, v, { numHeads: H });
    const zero = Array.from({ length: T }, () => new Array<number>(T).fill(0));
    const m = (t: tf.Tensor) => (t.arraySync() as number[][][])[0] as Matrix;
    expectClose(y.dataSync(), reference(m(q), m(k), m(v), H, 1 / Math.sqrt(E / H), zero).flat(), 1e-5);
  });

  it('applies the dropout callback to the probabilities only', () => {
    const q = randomTensor([1, T, E], 9);
    const seen: number[][] = [];
    const y = multiHeadContext(q, q, q, {
      numHeads: H,
      dropout: (p) => {
        seen.push(p.shape);
        return tf.zerosLike(p);
      },
    });
    expect(seen).toEqual([[1, H, T, T]]);
    expect(Array.from(y.dataSync()).every((x) => x === 0)).toBe(true);
  });
});

describe('head layout helpers', () => {
  it('split/merge are inverse, keys come out [B, H, D, S], and attendHeads equals multiHeadContext', () => {
    const x = randomTensor([2, 5, 6], 11);
    expect(splitHeads(x, 3).shape).toEqual([2, 3, 5, 2]);
    expect(splitHeadsTransposed(x, 3).shape).toEqual([2, 3, 2, 5]);
    expect(Array.from(mergeHeads(splitHeads(x, 3)).dataSync())).toEqual(Array.from(x.dataSync()));
    const k = randomTensor([2, 5, 6], 12);
    const mask = causalMask(5);
    const direct = mergeHeads(
      attendHeads(tf.mul(splitHeads(x, 3), 0.5), splitHeadsTransposed(k, 3), splitHeads(k, 3), { mask }),
    );
    const via = multiHeadContext(x, k, k, { numHeads: 3, scale: 0.5, mask });
    expect(Array.from(direct.dataSync())).toEqual(Array.from(via.dataSync()));
  });
});

describe('attention masks', () => {
  it('additivePaddingMask: [B, T] -> [B, 1, 1, T] of 0 and MASKED_SCORE; other ranks are refused', () => {
    const m = additivePaddingMask(tf.tensor2d([[1, 0, 1]], [1, 3], 'int32'), 'X.forward');
    expect(m.shape).toEqual([1, 1, 1, 3]);
    expect(Array.from(m.dataSync()).map((v) => v + 0)).toEqual([0, MASKED_SCORE, 0]);
    expect(() => additivePaddingMask(tf.zeros([1, 1, 3]), 'X.forward')).toThrow(
      'X.forward: attentionMask must be [B, T], got [1,1,3]',
    );
  });

  it('causalMask(t, past): query i sees keys <= past + i', () => {
    const c = causalMask(2, 1);
    expect(c.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(c.dataSync())).toEqual([0, 0, MASKED_SCORE, 0, 0, 0]);
    expect(Array.from(causalMask(3).dataSync()).filter((v) => v !== 0)).toHaveLength(3);
  });

  it('extendMaskForPrefix puts visible columns in front; no-ops without a prefix or a mask', () => {
    const m = causalMask(2);
    const e = extendMaskForPrefix(m, 2) as tf.Tensor;
    expect(e.shape).toEqual([1, 1, 2, 4]);
    expect(Array.from(e.dataSync())).toEqual([0, 0, 0, MASKED_SCORE, 0, 0, 0, 0]);
    expect(extendMaskForPrefix(m, 0)).toBe(m);
    expect(extendMaskForPrefix(undefined, 3)).toBeUndefined();
    expect(() => extendMaskForPrefix(tf.zeros([1, 3]), 1)).toThrow('must have rank 4');
  });

  it('prependVirtualTokens fills count positions in front, keeping the dtype', () => {
    const mask = tf.tensor2d([[1, 0]], [1, 2], 'int32');
    const out = prependVirtualTokens(mask, 3, 1);
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([1, 1, 1, 1, 0]);
    const feats = prependVirtualTokens(tf.ones([1, 2, 2]), 1, 0);
    expect(Array.from(feats.dataSync())).toEqual([0, 0, 1, 1, 1, 1]);
    expect(() => prependVirtualTokens(tf.ones([3]), 1, 0)).toThrow('expected [B, T, ...]');
  });
});
